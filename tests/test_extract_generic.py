"""Pages of unknown layout: the density extractor and trafilatura must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.extract import extract
from pipeline.extract.generic import agree
from tests.fakesites import story_text

TITLE, PARAGRAPHS = story_text(77, 5)
URL = "https://news.example.invalid/2026/05/20/article-1.html"
NAV = "<div class='nav'><a href='/'>首页</a> <a href='/a'>国内</a> <a href='/b'>国际</a></div>"
SIDEBAR = ("<div class='sidebar'><h3>热门排行</h3><ul>" + "".join(
    f"<li><a href='/hot/{i}.html'>排行榜上的第{i}条测试新闻标题</a></li>" for i in range(8))
    + "</ul></div>")
RELATED = ("<div class='related'><h3>相关新闻</h3><ul>" + "".join(
    f"<li><a href='/r/{i}.html'>相关新闻里的第{i}条测试标题</a> 2026-05-19</li>"
    for i in range(5)) + "</ul></div>")
COMMENTS = ("<div id='comments'><h3>网友评论</h3>" + "".join(
    f"<div class='comment'><span>网友{i}</span><p>这是第{i}条网友评论，内容和正文无关。</p></div>"
    for i in range(4)) + "</div>")
FOOTER = ("<div class='footer'><p>关于我们 | 联系我们 | 广告服务</p>"
          "<p>版权所有 © 2026 测试新闻网 未经授权禁止转载</p></div>")


def story(paragraphs: list[str] = PARAGRAPHS) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def wrap(article: str, head: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{TITLE}_测试新闻网</title>{head}</head>"
            f"<body>{NAV}<div class='main'>{article}{RELATED}{COMMENTS}</div>{SIDEBAR}"
            f"{FOOTER}</body></html>").encode()


LAYOUTS = {
    "article with paragraphs": f"<div class='article'><h1>{TITLE}</h1>{story()}</div>",
    "story split into blocks of one class": (
        f"<div class='article'><h1>{TITLE}</h1>" + "".join(
            f"<div class='block'><div class='block-text'>{story([p])}</div></div>"
            f"<div class='block'><div class='gallery'><img src='{i}.jpg'></div></div>"
            for i, p in enumerate(PARAGRAPHS)) + "</div>"),
    "old table, loose text and <br>": (
        f"<table><tr><td class='title'>{TITLE}</td></tr><tr><td>"
        + "<br><br>".join(PARAGRAPHS) + "</td></tr></table>"),
    "story with boilerplate lines": (
        f"<div class='content'><h1>{TITLE}</h1>{story()}<p>（责任编辑：测试编辑）</p>"
        "<p>免责声明：本文仅代表作者个人观点，与本网无关。</p><p>分享到：微博 微信</p></div>"),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_story_is_found_and_page_furniture_left_out(layout):
    article = extract(wrap(LAYOUTS[layout]), URL)
    assert article.body == "\n".join(PARAGRAPHS)
    assert article.extractor.startswith("generic:")


def test_published_at_comes_from_the_page_meta():
    head = "<meta property='article:published_time' content='2026-05-20T10:30:00+08:00'>"
    article = extract(wrap(LAYOUTS["article with paragraphs"], head), URL)
    assert (article.published_at, article.provenance["published_at"]) == (
        "2026-05-20T10:30:00+08:00", "meta")


def test_agreement_keeps_what_both_kept_and_prose_only_one_kept():
    prose = "这是一段足够长的正文句子，即使另一个抽取器漏掉了它，也应当保留在正文里。"
    density = ["第一段正文，两个抽取器都保留了这一行。", "图片说明", prose]
    traf = ["第一段正文，两个抽取器都保留了这一行。"]
    assert agree(density, traf) == (["第一段正文，两个抽取器都保留了这一行。", prose],
                                    "density+trafilatura")


@pytest.mark.parametrize(("density", "traf", "rule"), [
    ([], ["只有 trafilatura 找到的正文。"], "trafilatura"),
    (["只有密度抽取器找到的正文。"], [], "density"),
])
def test_agreement_falls_back_to_the_one_that_found_text(density, traf, rule):
    assert agree(density, traf) == (density or traf, rule)


GENERIC_MODULES = ["extract/generic.py", "extract/generic_meta.py", "page/density.py",
                   "page/segments.py", "page/clean.py", "page/text.py"]
DOMAIN = re.compile(r"\b[a-z0-9-]+\.(?:com|cn|net|org|tw|hk)\b|网易|36氪|sohu|sina|ifeng")


@pytest.mark.parametrize("module", GENERIC_MODULES)
def test_generic_path_names_no_site(module):
    source = (Path(__file__).parent.parent / "pipeline" / module).read_text("utf-8")
    assert DOMAIN.findall(source) == []


def test_a_story_of_prose_only_is_read_without_trafilaturas_body():
    long = [p + "记者在现场看到，相关各方都在等待下一步的消息。" for p in PARAGRAPHS]
    article = extract(wrap(f"<div class='article'>{story(long)}</div>"), URL)
    assert article.extractor == "generic:density:prose"  # its vote could change nothing
    assert article.body == "\n".join(long)


def test_a_short_line_in_the_container_is_put_to_trafilaturas_vote():
    layout = f"<div class='article'><h1>{TITLE}</h1>{story()}<p>图为测试现场</p></div>"
    article = extract(wrap(layout), URL)
    assert article.extractor == "generic:density+trafilatura"
    assert "图为测试现场" not in article.body.split("\n")[:len(PARAGRAPHS)]


@pytest.mark.parametrize("markup,hint", [
    ("<div class='article-author'>张三</div>", True),
    ("<span id=zuozhe>李四</span>", True),
    ('<a rel="author" href="/u/1">王五</a>', True),
    ("<p itemprop='author name'>赵六</p>", True),
    ("<author>孙七</author>", True),
    ("<meta name='author' content='测试网'><p>作者：周八</p>", False),
    ("<script>var author = 'x';</script><div class='content'>正文</div>", False),
])
def test_trafilaturas_author_search_runs_only_when_it_can_match(markup, hint):
    from pipeline.extract.traf import author_hint

    assert author_hint(f"<html><body>{markup}</body></html>") is hint


def test_htmldate_is_not_asked_when_the_page_names_its_time():
    from pipeline.extract.generic_dates import page_time
    from pipeline.page.parsed import Page

    page = Page(URL, "<html><head><meta property='article:published_time' "
                     "content='2026-05-20T10:30:00+08:00'></head><body></body></html>")

    def guess() -> str:
        raise AssertionError("htmldate asked although the meta tag names the time")

    assert page_time(page, None, None, guess) == ("2026-05-20T10:30:00+08:00", "meta")
