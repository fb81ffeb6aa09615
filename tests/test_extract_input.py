"""Decoding cases and bad input: extraction decodes bytes itself and never raises."""

from __future__ import annotations

import pytest

from pipeline.extract import MAX_HTML_CHARS, extract
from tests import pagekit
from tests.pagekit import Template

STORY = ("测试稿件第一段：朱镕基与陶喆出现在同一句话里，用来检验编码。"
         "这一段足够长，能被当作正文读出来。")
PAGE = ("<html><head>{meta}<title>编码测试</title></head><body><div class='nav'>首页 新闻</div>"
        "<div class='article'><h1>编码测试</h1><p>{story}</p><p>{story}第二段。</p></div>"
        "</body></html>")


def page(meta: str, encoding: str) -> bytes:
    return PAGE.format(meta=meta, story=STORY).encode(encoding)


def entities(text: str) -> str:
    return "".join(f"&#x{ord(c):x};" if ord(c) > 127 else c for c in text)


ENCODINGS = {
    "GBK declared gb2312, characters outside GB2312":
        (page('<meta charset="gb2312">', "gbk"), "meta:gb18030"),
    "UTF-8 declaring gb2312": (page('<meta charset="gb2312">', "utf-8"), "utf-8 over meta"),
    "GBK with no declaration": (page("", "gbk"), "detect"),
    "&#x; entities only": (entities(PAGE.format(meta='<meta charset="utf-8">', story=STORY))
                           .encode("ascii"), "meta:utf-8"),
}


@pytest.mark.parametrize("case", ENCODINGS, ids=list(ENCODINGS))
def test_page_is_decoded_before_extraction(case):
    data, rule = ENCODINGS[case]
    article = extract(data, "https://news.example.invalid/a.html")
    assert STORY in article.body
    assert article.decode_rule.startswith(rule)


def test_site_page_in_gbk_without_declaration_is_detected():
    built = pagekit.build(Template("2016", "163/article_2016_gbk.html",
                                   "https://news.163.com/16/0221/11/J2TESTAB0514R9KQ.html",
                                   encoding="gbk"))
    data = built.data.replace(b'<meta http-equiv="Content-Type" content="text/html; '
                              b'charset=gb2312" />', b"")
    assert extract(data, built.url).body == built.body


BAD = {
    "empty": (b"", "empty"),
    "only whitespace": (b" \n\t ", "empty"),
    "binary (PNG)": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not-html"),
    "binary (zeros)": (b"\x00\x01\x02\x03" * 100, "not-html"),
    "plain text": ("这不是网页，只是一段没有标记的文字。".encode(), "not-html"),
    "10 MB+ page": (b"<html><body>" + b"<p>x</p>" * (MAX_HTML_CHARS // 8 + 1), "too-large"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_gets_a_status_not_an_exception(case):
    data, status = BAD[case]
    article = extract(data, "https://www.163.com/news/article/J2TESTAB0514R9KQ.html")
    assert (article.status, article.body) == (status, "")
    assert article.provenance["status"]


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_truncated_page_still_extracts_what_arrived(cut):
    built = pagekit.build(Template("2021", "163/article_2021.html",
                                   "https://www.163.com/news/article/J2TESTAB0514R9KQ.html"))
    data = built.data[: int(len(built.data) * cut)]
    article = extract(data, built.url)
    assert article.status in ("ok", "empty")
    assert article.body in built.body or built.body.startswith(article.body[:20])


def test_content_type_that_is_not_html_is_refused():
    article = extract(b"%PDF-1.4 ...", "https://x.example.invalid/a.pdf",
                      content_type="application/pdf")
    assert article.status == "not-html"


@pytest.mark.slow
def test_page_of_ten_megabytes_within_the_limit_is_read():
    filler = "<div class='ad'>" + "广告" * 1000 + "</div>"
    data = page('<meta charset="utf-8">', "utf-8").replace(
        b"</body>", (filler * (10_100_000 // len(filler.encode()) + 1)).encode() + b"</body>")
    assert len(data) > 10_000_000
    article = extract(data, "https://news.example.invalid/a.html")
    assert article.status == "ok" and STORY in article.body
