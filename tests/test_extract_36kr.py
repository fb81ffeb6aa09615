"""36Kr pages in each form: plain and encrypted state, 2018 props, DOM, newsflashes,
the reprint frame, paid articles."""

from __future__ import annotations

import base64
import html
import json

import pytest

from pipeline.extract import extract
from pipeline.sources.kr36.aes import encrypt_ecb
from pipeline.sources.kr36.pages import STATE_KEY
from tests.fakesites import fill, story_text

ITEM_ID = "3700000000000042"
URL = f"https://36kr.com/p/{ITEM_ID}"
PUBLISH_MS = 1779244200000  # 2026-05-20 10:30:00 +08:00
PUBLISHED_ISO = "2026-05-20T10:30:00+08:00"
AUTHOR = "测试记者"
TITLE, PARAGRAPHS = story_text(42, 4)
BODY = "\n".join(PARAGRAPHS)


def paragraphs_html(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in lines)


def item(content: str = "", **extra: object) -> dict:
    return {"itemId": int(ITEM_ID), "widgetTitle": TITLE, "author": AUTHOR,
            "summary": "测试摘要。", "publishTime": PUBLISH_MS,
            "widgetContent": content or paragraphs_html(PARAGRAPHS) +
            '<p class="image-wrapper"><img src="x.jpg"></p><p class="img-desc">图片来源：测试</p>',
            **extra}


def state_page(data: dict, encrypted: bool = False) -> bytes:
    state = {"isSpider": False, "articleDetail": {"articleDetailData": {"data": data}}}
    if encrypted:
        raw = encrypt_ecb(STATE_KEY, json.dumps(state, ensure_ascii=False).encode())
        state = {"state": base64.b64encode(raw).decode(), "isEncrypt": True}
    return fill("36kr/article_state.html", title=TITLE,
                state_json=json.dumps(state, ensure_ascii=False)).encode()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain state", "encrypted state"])
def test_state_gives_body_and_metadata(encrypted):
    article = extract(state_page(item(), encrypted), URL)
    assert (article.status, article.extractor, article.body) == ("ok", "36kr:state", BODY)
    assert (article.title, article.author, article.published_at) == (TITLE, AUTHOR,
                                                                      PUBLISHED_ISO)
    assert (article.article_id, article.canonical_url) == (f"36kr:{ITEM_ID}", URL)


def test_undecryptable_state_falls_back_to_the_dom():
    page = fill("36kr/article_dom.html", title=html.escape(TITLE), author=AUTHOR,
                published_cn="2026年05月20日 10:30", body_html=paragraphs_html(PARAGRAPHS))
    broken = '<script>window.initialState={"state":"bm90IGFlcw==","isEncrypt":true}</script>'
    article = extract((page + broken).encode(), URL)
    assert (article.extractor, article.body, article.author) == ("36kr:dom", BODY, AUTHOR)
    assert article.published_at == PUBLISHED_ISO


def test_2018_props_page_has_no_body_markup_and_is_read_from_json():
    post = {"id": "5100001", "title": TITLE, "summary": "摘要。", "content":
            paragraphs_html(PARAGRAPHS) + '<p class="img-desc">图自测试报告</p>',
            "published_at": "2018-05-21 14:32:01", "source_type": "original",
            "user": {"id": "1", "name": AUTHOR}, "goods_id": "0",
            "extraction_tags": json.dumps([["融资", 1], ["区块链", 2]])}
    page = fill("36kr/props_2018.html", title=TITLE, summary="摘要。", item_id="5100001",
                props_json=json.dumps({"detailArticle|post": post}, ensure_ascii=False))
    article = extract(page.encode(), "http://36kr.com/p/5100001.html")
    assert (article.extractor, article.body, article.title) == ("36kr:props", BODY, TITLE)
    assert (article.author, article.published_at) == (AUTHOR, "2018-05-21T14:32:01+08:00")
    assert article.tags == ["融资", "区块链"]


def entities(text: str) -> str:
    return "".join(f"&#x{ord(c):X};" if ord(c) > 127 else c for c in text)


def test_dom_page_written_in_entities_only_without_url():
    page = fill("36kr/article_entities.html", title=entities(TITLE), author=entities(AUTHOR),
                summary=entities("测试摘要"),
                body_html=entities(paragraphs_html(PARAGRAPHS) + "<h3>声明全文：</h3>"))
    article = extract(page.encode("ascii"), None)
    assert (article.site, article.extractor) == ("36kr", "36kr:dom")
    assert article.body == BODY + "\n声明全文："
    assert (article.title, article.author) == (TITLE, AUTHOR)
    assert article.published_at is None  # the page shows only "6小时前"


def test_newsflash_page_is_a_newsflash_with_its_source_link():
    flash = item(paragraphs_html(PARAGRAPHS[:1]),
                 sourceUrlRoute="webview?url=https%3A%2F%2Fexample.invalid%2Forigin")
    article = extract(state_page(flash), f"https://36kr.com/newsflashes/{ITEM_ID}")
    assert (article.kind, article.body) == ("newsflash", PARAGRAPHS[0])
    assert article.source_url == "https://example.invalid/origin"


REPRINTS = {
    "编者按 header": ("编者按：本文来自微信公众号“测试观察”（ID：ceshi2026），作者：周测试，"
                   "36氪经授权发布。", None),
    "本文来自 tail": (None, "本文来自微信公众号“测试观察”（ID：ceshi2026），作者：周测试，"
                         "36氪经授权发布。"),
    "both, with the disclaimer": ("编者按：本文来自微信公众号“测试观察”，作者：周测试，"
                                  "36氪经授权发布。",
                                  "该文观点仅代表作者本人，36氪平台仅提供信息存储空间服务。"),
}


@pytest.mark.parametrize("frame", REPRINTS, ids=list(REPRINTS))
def test_reprint_frame_is_kept_out_of_the_body_and_read_into_fields(frame):
    header, tail = REPRINTS[frame]
    lines = [x for x in (header, *PARAGRAPHS, tail) if x]
    article = extract(state_page(item(paragraphs_html(lines))), URL)
    assert article.body == BODY
    assert (article.original_source, article.original_author) == ("测试观察", "周测试")
    assert article.source == "测试观察"


def test_original_credit_line_stays_in_the_body():
    credit = "作者 | 吴测试 编辑 | 郑测试"
    article = extract(state_page(item(paragraphs_html([credit, *PARAGRAPHS]))), URL)
    assert article.body == credit + "\n" + BODY
    assert article.original_source is None


GOODS_URL = f"https://36kr.com/goods/p/{ITEM_ID}"
LONG_STORY = [p + "这一段补充了更多的背景、数据和各方的看法，篇幅足够长。" * 8 for p in PARAGRAPHS]
TEASER = paragraphs_html([PARAGRAPHS[0]])


@pytest.mark.parametrize("url,data,body", [
    (GOODS_URL, item(paragraphs_html(LONG_STORY)), LONG_STORY),        # paid column, whole text
    (GOODS_URL, item(TEASER, isFree=True), PARAGRAPHS[:1]),            # marked free: even short
    (URL, item(paragraphs_html(LONG_STORY), goodsId=77, is_free=1), LONG_STORY),  # column page
])
def test_free_article_of_a_paid_column_is_an_article_with_its_body(url, data, body):
    article = extract(state_page(data), url)
    assert (article.status, article.title, article.body) == ("ok", TITLE, "\n".join(body))


@pytest.mark.parametrize("url,data", [
    (GOODS_URL, item(TEASER)),                                        # paid column, teaser
    (GOODS_URL, item(paragraphs_html(LONG_STORY) + "<p>订阅专栏即可阅读全文</p>")),
    (URL, item(TEASER, isFree=False)),                                # state marks it paid
    (URL, item(TEASER, needPay=True)),
])
def test_paid_article_whose_text_is_withheld_is_a_paywall(url, data):
    article = extract(state_page(data), url)
    assert (article.status, article.body, article.title) == ("paywall", "", TITLE)


def test_a_story_that_mentions_paying_to_read_is_not_a_paywall():
    story = paragraphs_html([*LONG_STORY, "有读者表示，愿意购买后阅读全文的用户正在增加。"])
    article = extract(state_page(item(story)), URL)
    assert article.status == "ok" and "购买后阅读全文" in article.body


def test_teaser_behind_a_purchase_prompt_is_a_paywall_not_a_body():
    teaser = paragraphs_html([PARAGRAPHS[0], "购买后即可阅读全文"])
    article = extract(state_page(item(teaser)), URL)
    assert (article.status, article.body) == ("paywall", "")
    assert article.provenance["status"].startswith("paid article")


def test_page_of_unknown_layout_keeps_36kr_metadata_and_gets_a_generic_body():
    title = "36氪获悉，某测试公司完成新一轮融资"
    page = (f"<html><head><meta charset='utf-8'><title>{title}_36氪</title>"
            f"<meta property='article:published_time' content='{PUBLISHED_ISO}'></head><body>"
            "<div class='kr-header'><a href='/'>首页</a></div>"
            f"<div class='flash-wrapper'><h1 class='article-title'>{title}</h1>"
            f"<div class='flash-text'>{paragraphs_html(PARAGRAPHS)}</div></div></body></html>")
    article = extract(page.encode(), f"https://36kr.com/newsflashes/{ITEM_ID}")
    assert (article.kind, article.title, article.published_at) == ("newsflash", title,
                                                                   PUBLISHED_ISO)
    assert article.body == BODY
    assert article.extractor == "36kr:dom+generic-body"


@pytest.mark.parametrize("is_free,status", [(1, "ok"), (0, "paywall")])
def test_2018_paid_column_page_follows_the_free_mark_of_its_props(is_free, status):
    post = {"id": "5100002", "title": TITLE, "content": paragraphs_html(PARAGRAPHS[:1]),
            "published_at": "2018-05-21 14:32:01", "user": {"id": "1", "name": AUTHOR},
            "goods_id": "31", "is_free": is_free}
    page = fill("36kr/props_2018.html", title=TITLE, summary="摘要。", item_id="5100002",
                props_json=json.dumps({"detailArticle|post": post}, ensure_ascii=False))
    article = extract(page.encode(), "http://36kr.com/goods/p/5100002.html")
    assert (article.status, article.body) == (status, PARAGRAPHS[0] if is_free else "")
