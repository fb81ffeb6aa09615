"""Recommendation blocks and publishers' prompts inside a body container stay out of
the body, on every path (NetEase and 36Kr profiles, the generic extractor); story text
that merely mentions 推荐, 报告 or 公众号 stays in."""

from __future__ import annotations

import html
import json

import pytest

from pipeline.extract import extract
from pipeline.page.clean import drop_related_blocks
from tests import pagekit
from tests.fakesites import story_text
from tests.test_extract_netease import TEMPLATES

TITLE, STORY = story_text(91, 5)
LIST = [f"测试公司第{i}季度业绩简评" for i in range(1, 5)]

HEADINGS = ["延伸·推荐", "【相关阅读】", "推荐阅读：", "▼ 相关推荐 ▼", "猜你喜欢", "往期回顾",
            "延伸阅读", "相关文章", "更多精彩", "Related articles"]
PROMPTS = [
    ["关注公众号“测试科技”，获取更多行业资讯"],
    ["▼ 扫码下载完整版报告", "（图片：二维码）"],
    ["《2026年测试行业研究报告》", "长按识别二维码，购买完整报告"],
    ["点击“阅读原文”，下载测试APP"],
    ["本文作者：测试", "商务合作请联系：bd@example.invalid", "欢迎转发、点个在看"],
]


@pytest.mark.parametrize("heading", HEADINGS)
def test_a_heading_and_the_list_under_it_are_dropped(heading):
    text = "\n".join([*STORY, heading, *LIST])
    assert drop_related_blocks(text)[0] == "\n".join(STORY)


@pytest.mark.parametrize("heading", HEADINGS[:3])
def test_the_story_resumes_after_a_list_in_its_middle(heading):
    text = "\n".join([*STORY[:2], heading, *(f"· {x}" for x in LIST), *STORY[2:]])
    assert drop_related_blocks(text)[0] == "\n".join(STORY)


@pytest.mark.parametrize("prompt", PROMPTS, ids=[p[0][:6] for p in PROMPTS])
def test_closing_prompts_are_dropped(prompt):
    text = "\n".join([*STORY, *prompt])
    expected = STORY + (["本文作者：测试"] if prompt[0] == "本文作者：测试" else [])
    assert drop_related_blocks(text)[0] == "\n".join(expected)


@pytest.mark.parametrize("line", [
    "业内人士推荐阅读相关年报，并指出该公司的推荐算法仍有改进空间。",
    "报告显示，超过六成用户会先扫码关注商家公众号再下单，这一比例比去年提高了12个百分点。",
    "相关阅读材料显示，该项目在今年三月已经完成了备案。",
    "推荐",
])
def test_story_lines_that_mention_the_words_stay(line):
    for text in ("\n".join([*STORY, line]), "\n".join([STORY[0], line, *STORY[1:]])):
        assert drop_related_blocks(text)[0] == text


def block_html() -> str:
    return ("<p><strong>延伸·推荐</strong></p><ul>"
            + "".join(f"<li><a href='https://www.163.com/news/article/J2TESTAB0514R9{i:02d}.html'>"
                      f"{x}</a></li>" for i, x in enumerate(LIST))
            + "</ul><p>关注公众号“测试日报”，每天看懂一条新闻</p>")


def test_netease_body_container_without_the_block():
    plain = pagekit.build(TEMPLATES[0])
    body_html = "".join(f"<p>{html.escape(p)}</p>" for p in plain.paragraphs) + block_html()
    built = pagekit.build(TEMPLATES[0], body_html=body_html)
    assert extract(built.data, built.url).body == plain.body


def test_36kr_body_without_the_block_and_the_report_advert():
    content = ("".join(f"<p>{html.escape(p)}</p>" for p in STORY)
               + "<h3>相关推荐</h3>" + "".join(f"<p><a href='/p/{i}'>{x}</a></p>"
                                              for i, x in enumerate(LIST, 5100000))
               + "<p>36氪研究院：2026年测试行业报告</p><p>扫码获取完整报告</p>")
    data = {"itemId": 3700000000000091, "widgetTitle": TITLE, "widgetContent": content,
            "publishTime": 1779244200000, "author": "测试"}
    state = {"articleDetail": {"articleDetailData": {"data": data}}}
    page = (f"<html><head><meta charset='utf-8'><title>{TITLE}_36氪</title></head><body>"
            f"<script>window.initialState={json.dumps(state, ensure_ascii=False)}</script>"
            "</body></html>")
    article = extract(page.encode(), "https://36kr.com/p/3700000000000091")
    assert article.body == "\n".join(STORY)


def test_generic_page_without_the_block():
    story = "".join(f"<p>{p}</p>" for p in STORY)
    page = (f"<html><head><meta charset='utf-8'><title>{TITLE}_测试网</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a></div><div class='article'><h1>{TITLE}</h1>"
            f"{story}{block_html()}</div><div class='footer'>版权所有</div></body></html>")
    article = extract(page.encode(), "https://news.example.invalid/2026/0520/a.html")
    assert article.body == "\n".join(STORY)
