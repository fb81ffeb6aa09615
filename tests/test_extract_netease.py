"""NetEase pages of every template: the story only, and the metadata from the right rule.

One parametrised case per template (tests/pages/163), one per noise block found inside
or next to a body container, one per story credit line that must stay.
"""

from __future__ import annotations

import pytest

from pipeline.extract import extract
from tests import pagekit
from tests.pagekit import DOCID, EDITOR, PUBLISHED_ISO, SOURCE, TAGS, Template

TEMPLATES = [
    Template("2021 post_body", "163/article_2021.html",
             f"https://www.163.com/news/article/{DOCID}.html", source="测试日报",
             extractor="netease:post_body"),
    Template("2016-2020 post_text (utf-8 declared gb2312)", "163/article_2019_utf8.html",
             f"https://tech.163.com/19/0907/13/{DOCID}.html", extractor="netease:endText"),
    Template("2013-2016 end-text (gbk)", "163/article_2016_gbk.html",
             f"https://news.163.com/16/0221/11/{DOCID}.html", encoding="gbk",
             extractor="netease:endText"),
    Template("2011 endText, no URL", "163/article_2011.html", None,
             extractor="netease:endText"),
    Template("亦观察 entext (gbk)", "163/article_entext.html",
             f"https://money.163.com/15/0621/11/{DOCID}.html", encoding="gbk", source=None,
             author=pagekit.AUTHOR, extractor="netease:entext"),
    Template("old dy.163.com/v2", "163/article_dy_v2.html",
             f"http://dy.163.com/v2/article/detail/{DOCID}.html", author=None,
             extractor="netease:dy_v2"),
    Template("3g SSR article", "163/article_mobile_ssr.html",
             f"https://3g.163.com/news/article/{DOCID}.html", extractor="netease:mobile"),
    Template("m.163.com article-body", "163/article_mobile.html",
             f"https://m.163.com/news/article/{DOCID}.html", author=None,
             extractor="netease:mobile"),
    Template("3g wap /x/ page", "163/article_wap.html",
             f"http://3g.163.com/x/news/17/0106/11/{DOCID}_0.html", author=pagekit.AUTHOR,
             extractor="netease:wap", tail=(f"作者：{pagekit.AUTHOR}",)),
    Template("2004 table layout (gbk)", "163/article_2004_table.html",
             f"http://biz.163.com/41210/1/{DOCID}.html", encoding="gbk", author=None,
             extractor="netease:table"),
]
IDS = [t.name for t in TEMPLATES]


@pytest.fixture(params=TEMPLATES, ids=IDS)
def page(request: pytest.FixtureRequest) -> pagekit.Built:
    return pagekit.build(request.param)


def test_body_is_the_story_only(page):
    article = extract(page.data, page.url)
    assert (article.status, article.body) == ("ok", page.body)


def test_template_is_recognised(page):
    assert extract(page.data, page.url).extractor == page.template.extractor


def test_title_has_no_site_suffix(page):
    assert extract(page.data, page.url).title == page.title


def test_published_at_is_beijing_time_to_the_second(page):
    assert extract(page.data, page.url).published_at == PUBLISHED_ISO


def test_source_is_the_credited_outlet(page):
    assert extract(page.data, page.url).source == page.template.source


def test_author_is_the_byline_or_the_editor_never_netease(page):
    assert extract(page.data, page.url).author == page.template.author


def test_tags_come_from_meta_keywords(page):
    assert extract(page.data, page.url).tags == TAGS


def test_every_field_records_its_rule(page):
    article = extract(page.data, page.url)
    for name in ("title", "published_at", "body", "tags"):
        assert article.provenance.get(name), name


def test_gbk_page_with_characters_outside_gb2312_decodes():
    """镕 and 喆 are GBK but not GB2312: a gb2312 label is widened to GB18030."""
    template = TEMPLATES[2]
    built = pagekit.build(template, title_extra="（朱镕基与陶喆）")
    article = extract(built.data, built.url)
    assert article.title == built.title
    assert article.decode_rule.startswith("meta:gb18030")


def test_photo_set_notes_are_the_story():
    captions = ["第一张图：测试现场的全景。", "第二张图：测试人员正在记录数据。"]
    intro = "这组测试图片记录了一次合成的活动现场。"
    template = Template("photo", "163/photoset.html",
                        "https://www.163.com/photoview/00AP0001/2203811.html", encoding="gbk")
    title = "测试图集：一次合成的活动"
    built = pagekit.build(template, gallery_json=pagekit.gallery_json(title, captions, intro))
    article = extract(built.data, built.url)
    assert (article.kind, article.title) == ("photoview", title)
    assert article.body == "\n".join([intro, *captions])
    assert (article.published_at, article.source, article.author) == (PUBLISHED_ISO, SOURCE,
                                                                       EDITOR)


def test_meta_author_netease_is_never_the_author():
    built = pagekit.build(TEMPLATES[0], editor="")  # no 责任编辑 on the page
    article = extract(built.data.replace("责任编辑：_NB1024".encode(), b""), built.url)
    assert article.author is None


# --------------------------------------------------------------- noise inside the body

NOISE_BLOCKS = {
    "特别声明/Notice": ('<div class="post_statement"><p>特别声明：以上内容由自媒体作者上传。</p>'
                      "<p>Notice: The content above was uploaded by an author.</p></div>",
                      ["特别声明", "Notice"]),
    "责任编辑 line": ("<p>（责任编辑：赵一_NN1234）</p>", ["责任编辑"]),
    "本文来源 line": ("<p>本文来源：另一家测试媒体</p>", ["本文来源"]),
    "share prompt": ("<p>用微信扫码二维码</p><p>分享至好友和朋友圈</p>", ["扫码", "朋友圈"]),
    "image credit": ('<p class="f_center"><img src="x.jpg"></p><p>图片来源：测试图库</p>',
                     ["图片来源"]),
    "image caption": ('<p class="f_center"><img src="x.jpg"><br>图为测试现场</p>'
                      '<p style="text-align: center;">测试人员在现场。资料图</p>',
                      ["图为测试现场", "资料图"]),
    "comment box": ('<div class="post_comment_area tie-areas"><h3>热门跟贴</h3>'
                    "<p>网友乙：跟贴内容。</p></div>", ["热门跟贴", "网友乙"]),
    "相关推荐 list": ('<div class="post_recommends"><h3>相关推荐</h3><ul><li><a href="a.html">'
                    "推荐里的一条标题</a></li></ul></div>", ["相关推荐", "推荐里的一条标题"]),
    "热点推荐 list": ("<p>热点推荐</p><ul><li><a href='b.html'>热点里的一条标题</a></li></ul>",
                    ["热点推荐", "热点里的一条标题"]),
    "往期回顾 list": ('<div class="post_wemedia"><h3>往期回顾</h3><ul><li><a href="c.html">'
                    "往期的一篇标题</a></li></ul></div>", ["往期回顾", "往期的一篇标题"]),
    "原标题 line": ('<p class="otitle">（原标题：测试的原始标题）</p>', ["原标题"]),
    "comment disclaimer": ("<p>网友评论仅供其表达个人看法，并不表明网易立场。</p>", ["网友评论"]),
    "app prompt": ("<p>打开网易新闻 查看精彩图片</p>", ["打开网易新闻"]),
    "link-only promotion": ('<p><a href="http://promo.example.invalid/">下载客户端领取测试福利'
                            "</a></p>", ["测试福利"]),
}


# The source/editor note and a list heading end the story: nothing is read after them.
STORY_ENDS = ("本文来源 line", "责任编辑 line", "热点推荐 list")
PLACES = [(block, where) for block in NOISE_BLOCKS
          for where in ("after the story", "between paragraphs")
          if not (block in STORY_ENDS and where == "between paragraphs")]


@pytest.mark.parametrize(("block", "where"), PLACES, ids=[f"{b} {w}" for b, w in PLACES])
def test_noise_block_never_reaches_the_body(block, where):
    snippet, markers = NOISE_BLOCKS[block]
    plain = pagekit.build(TEMPLATES[0])
    paragraphs = [f"<p>{p}</p>" for p in plain.paragraphs]
    at = len(paragraphs) if where == "after the story" else 2
    body_html = "".join(paragraphs[:at]) + snippet + "".join(paragraphs[at:])
    built = pagekit.build(TEMPLATES[0], body_html=body_html)
    body = extract(built.data, built.url).body
    assert [m for m in markers if m in body] == []
    assert body == plain.body


def test_a_first_line_repeating_the_headline_is_dropped():
    plain = pagekit.build(TEMPLATES[1])
    body_html = f"<p>{plain.title}！</p>" + "".join(f"<p>{p}</p>" for p in plain.paragraphs)
    built = pagekit.build(TEMPLATES[1], body_html=body_html)
    assert extract(built.data, built.url).body == plain.body


@pytest.mark.parametrize("credit", ["文/张测试", "编辑/李测试", "文/张测试 编辑/李测试",
                                    "作者 | 王测试"])
def test_story_credit_lines_stay(credit):
    plain = pagekit.build(TEMPLATES[0])
    body_html = "".join(f"<p>{p}</p>" for p in plain.paragraphs) + f"<p>{credit}</p>"
    built = pagekit.build(TEMPLATES[0], body_html=body_html)
    assert extract(built.data, built.url).body == plain.body + "\n" + credit


def test_container_closed_early_by_broken_markup_is_completed():
    """A stray </div> right after the first paragraph ends #endText early; the rest of
    the story follows it on the page and must not be lost."""
    plain = pagekit.build(TEMPLATES[3])
    long_paragraphs = [p * 3 for p in plain.paragraphs]
    body_html = (f"<p>{long_paragraphs[0]}</p><p></div><div class='gallery-include'>"
                 + "".join(f"<p>{p}</p>" for p in long_paragraphs[1:]))
    built = pagekit.build(TEMPLATES[3], body_html=body_html)
    assert extract(built.data, built.url).body == "\n".join(long_paragraphs)


def test_container_split_in_two_by_an_include_is_read_whole():
    """2011-2012 pages close #endText before a gallery include and open a second one."""
    plain = pagekit.build(TEMPLATES[3])
    first, rest = plain.paragraphs[:1], plain.paragraphs[1:]
    body_html = ("".join(f"<p>{p}</p>" for p in first)
                 + "</div><script>var gallery = 1;</script>"
                 "<div class='nph_gallery'>图集 | 查看图集</div><div id='endText'>"
                 + "".join(f"<p>{p}</p>" for p in rest))
    built = pagekit.build(TEMPLATES[3], body_html=body_html)
    article = extract(built.data, built.url)
    assert (article.body, article.extractor) == (plain.body, "netease:endText")
