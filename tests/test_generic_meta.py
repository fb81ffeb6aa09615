"""Title and author of pages of unknown layout: site names, labels and junk left out."""

from __future__ import annotations

import pytest

from pipeline.extract import extract
from pipeline.extract.generic_meta import byline, strip_site_parts
from tests.fakesites import story_text

_, PARAGRAPHS = story_text(31, 4)
URL = "https://news.example.invalid/2026/06/01/story.html"


@pytest.mark.parametrize(("title", "headline"), [
    ("测试城市地铁新线今日开通_国内新闻_示例新闻网", "测试城市地铁新线今日开通"),
    ("測試縣衛生局抽查年貨 | 生活 | 即時新聞 | 示例新聞網", "測試縣衛生局抽查年貨"),
    ("某公司发布季度财报-财经频道-示例网", "某公司发布季度财报"),
    ("示例控股预计净利1900万-2900万_公司_示例网", "示例控股预计净利1900万-2900万"),
    ("示例微波炉型号AB12-Q4上市 - 示例科技", "示例微波炉型号AB12-Q4上市"),
    ("示例新闻网_一条排在网站名之后的较长新闻标题", "一条排在网站名之后的较长新闻标题"),
    ("Sample headline about a lunar lander - Example News", "Sample headline about a lunar lander"),
    ("一个没有网站后缀的完整标题", "一个没有网站后缀的完整标题"),
    ("短名 - 某百科，自由的百科全书", "短名 - 某百科，自由的百科全书"),
    ("Opinion | A column, first part one word", "Opinion | A column, first part one word"),
], ids=["underscore channel and site", "full-width bars", "hyphens between words",
        "hyphen in a number range", "hyphen in a model name", "site name first",
        "english dash", "no separator", "first part too short", "one-word english label"])
def test_site_parts_leave_the_title(title, headline):
    assert strip_site_parts(title) == headline


@pytest.mark.parametrize(("raw", "author"), [
    ("作者：测试甲", "测试甲"),
    ("责任编辑： 测试乙", "测试乙"),
    ("作者： 责任编辑： 测试丙", "测试丙"),
    ("本文栏目： 消费 作者： 测试丁", "测试丁"),
    ("网络编辑测试戊", "测试戊"),
    ("文/测试甲 测试乙", "测试甲 测试乙"),
    ("测 试", "测试"),
    ("By Jane Sample", "Jane Sample"),
    ("Jane Sample; Other Person", "Jane Sample Other Person"),
    ("Jane Sample; Staff writer", "Jane Sample"),
    ("测试甲; 某某学术期刊; 示例出版社", "测试甲"),
    ("字号", None),
    ("网友 的原贴： 今天的火车票真难买", None),
    ("示例财经网 提供股票、基金与外汇资讯，以及理财服务", None),
    ("Www Example Com", None),
    ("@ Http; Example Com", None),
    ("示例日报", None),
    ("某地如何在冬天保持皮肤水润 医生来教你", None),
    ("Page published", None),
    ("", None),
], ids=["作者 label", "责任编辑 label", "two labels", "column then author", "label glued on",
        "文/ with two names", "spaced-out name", "english by", "two english names",
        "a job title after the name", "a journal after the name", "toolbar word",
        "forum post", "site slogan", "domain", "domain pieces", "newspaper name",
        "a sentence", "english junk", "empty"])
def test_author_slots_give_names_or_nothing(raw, author):
    assert byline(raw) == author


def page(title: str, heading: str, body_extra: str = "") -> bytes:
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='article'>{heading}{story}</div>{body_extra}</body></html>").encode()


def test_the_headline_loses_the_site_suffix_of_the_title_tag():
    article = extract(page("示例城市发布新的公交线路图_本地新闻_示例新闻网",
                           "<h1>示例城市发布新的公交线路图</h1>"), URL)
    assert article.title == "示例城市发布新的公交线路图"


def test_a_column_name_shown_in_the_h1_stays_in_the_headline():
    article = extract(page("图说示例｜示例学院学生剪窗花迎新年 - 示例网",
                           "<h1>图说示例｜示例学院学生剪窗花迎新年</h1>"), URL)
    assert article.title == "图说示例｜示例学院学生剪窗花迎新年"


def test_an_author_label_never_reaches_the_author_field():
    html = page("示例新闻标题用于作者测试_示例网", "<h1>示例新闻标题用于作者测试</h1>"
                "<div class='author'>作者：测试记者</div>")
    article = extract(html, URL)
    assert (article.author, article.provenance["author"]) == ("测试记者", "trafilatura")


# ------------------------------------------------------------------------ publish time

UNDATED_URL = "https://news.example.invalid/story/98765.html"

def dated_page(meta: str = "", below_headline: str = "", footer: str = "",
               lede: str = "") -> bytes:
    story = "".join(f"<p>{p}</p>" for p in ([lede] if lede else []) + PARAGRAPHS)
    return (f"<html><head><meta charset='utf-8'><title>示例新闻发布时间测试_示例网</title>{meta}"
            "</head><body><div class='nav'>2011年3月1日 星期二</div><div class='article'>"
            f"<h1>示例新闻发布时间测试</h1><div class='info'>{below_headline}</div>{story}</div>"
            f"<div class='comments'><p>网友评论 2008-12-20 08:00:00 说得好</p></div>"
            f"<div class='footer'>{footer}</div></body></html>").encode()


@pytest.mark.parametrize(("html", "url", "published", "rules"), [
    (dated_page(meta="<meta property='article:published_time' "
                     "content='2012-01-12T10:23:00+08:00'>"), UNDATED_URL,
     "2012-01-12T10:23:00+08:00", {"meta"}),
    (dated_page(below_headline="2012年01月12日 10:23 来源：示例日报"), UNDATED_URL,
     "2012-01-12T10:23:00+08:00", {"byline"}),
    (dated_page(below_headline="发布时间：2012-01-12 10:23:45 作者：测试"), UNDATED_URL,
     "2012-01-12T10:23:45+08:00", {"byline"}),
    (dated_page(), "https://news.example.invalid/2012/01-12/3598123.shtml",
     "2012-01-12T00:00:00+08:00", {"url", "trafilatura"}),
    (dated_page(), "https://news.example.invalid/a/20120112/000123.htm",
     "2012-01-12T00:00:00+08:00", {"url", "trafilatura"}),
    (dated_page(below_headline="2011-12-30 09:00"),
     "https://news.example.invalid/2012-01-12/101523.html",
     "2012-01-12T00:00:00+08:00", {"url", "trafilatura"}),
    (dated_page(footer="Copyright © 2012 示例网 版权所有"), UNDATED_URL, None, {None}),
    (dated_page(lede="2009年3月5日 14:00，示例公司在这一天宣布了一项收购计划，这件旧事在今天的"
                     "报道里被重新提起，用来说明这家公司多年以来的扩张路线和它的市场地位。"),
     UNDATED_URL, None, {None}),
], ids=["page meta", "date line below the headline", "labelled date line",
        "url /YYYY/MM-DD/", "url /YYYYMMDD/", "url beats another day's line",
        "no date but a copyright year", "a date inside the story is the event's"])
def test_publish_time_comes_from_the_best_evidence(html, url, published, rules):
    """(trafilatura reads URL dates too: the same day from it may carry a time)"""
    article = extract(html, url)
    assert article.published_at == published
    assert article.provenance.get("published_at") in rules


# ------------------------------------------------------------------------ source (来源)

@pytest.mark.parametrize(("line", "source"), [
    ("2012年01月12日 10:23 来源：示例日报 作者：测试", "示例日报"),
    ("2012-01-12 10:23 來源: 示例時報", "示例時報"),
    ("来源：示例网(综合) 编辑：测试", "示例网"),
    ("来源：《示例晚报》", "示例晚报"),
    ("2012-01-12 10:23 来源：示例财经作者：测试", "示例财经"),
    ("来源：网络", None),
    ("来源：http://www.example.invalid", None),
    ("图片来源：资料图", None),
    ("2012-01-12 10:23 分享到：微博", None),
], ids=["dateline with author", "traditional 來源", "a note in brackets", "title marks",
        "a label glued on", "'the internet'", "a URL", "an image credit", "no 来源"])
def test_the_dateline_names_the_outlet(line, source):
    html = dated_page(below_headline=line)
    article = extract(html, UNDATED_URL)
    assert article.source == source
    assert article.provenance.get("source") == ("dateline" if source else None)


@pytest.mark.parametrize(("line", "author"), [
    ("2012-01-12 10:23 来源：示例日报 作者：测试甲", "测试甲"),
    ("来源：示例日报 记者：测试乙来源：示例", "测试乙"),
    ("2012-01-12 10:23 来源：示例日报", None),
    ("作者：网友 的原贴：今天", None),
    ("记者：测试丙 测试丁 通讯员 测试戊", "测试丙 测试丁"),
    ("作者：实习记者 测试己 来源：示例日报", "测试己"),
    ("记者：测试庚 责任编辑：测试辛", "测试庚"),
], ids=["作者 in the dateline", "记者 with a label glued on", "no writer named", "junk",
        "two reporters then a correspondent", "a trainee's title", "then the editor"])
def test_the_dateline_names_the_writer_when_trafilatura_found_none(line, author):
    article = extract(dated_page(below_headline=line), UNDATED_URL)
    assert (article.author, article.provenance.get("author")) == (
        author, "dateline" if author else None)
