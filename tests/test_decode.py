"""Charset decisions: declared, verified, detected; and which rule decided."""

from __future__ import annotations

import pytest

from pipeline.page.decode import codec_name, decode

TEXT = "朱镕基与王喆在堃山讨论芯片产业的未来，测试文本。" * 4  # 镕 喆 堃: in GBK, not GB2312


def page(charset_meta: str, body: str = TEXT) -> str:
    return f"<html><head>{charset_meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize("data,content_type,rule,encoding", [
    (page('<meta charset="gb2312">').encode("gbk"), None, "meta", "gb18030"),
    (page('<meta http-equiv="Content-Type" content="text/html; charset=GBK">').encode("gbk"),
     None, "meta", "gb18030"),
    (page("").encode("gbk"), "text/html; charset=gb2312", "http", "gb18030"),
    (page('<meta charset="gb2312">').encode("utf-8"), None, "utf-8 over meta gb2312", "utf-8"),
    (page("").encode("utf-8"), None, "utf-8", "utf-8"),
    (b"\xef\xbb\xbf" + page('<meta charset="gbk">').encode("utf-8"), None, "bom", "utf-8"),
    (page('<meta charset="utf-8">').encode("utf-8"), "text/html; charset=gbk",
     "utf-8 over http gbk", "utf-8"),
    (page('<meta charset="utf-8">').encode("gbk"), None, "detect", "gb18030"),
], ids=["meta-gb2312-with-gbk-chars", "http-equiv-gbk", "http-header", "utf8-declaring-gb2312",
        "no-declaration-utf8", "bom", "header-lies", "meta-lies-gbk-bytes"])
def test_decoding_rules(data, content_type, rule, encoding):
    decoded = decode(data, content_type)
    assert TEXT in decoded.text
    assert (decoded.rule, decoded.encoding) == (rule, encoding)


def test_gbk_without_any_declaration_is_detected():
    decoded = decode(page("").encode("gbk"))
    assert decoded.rule == "detect" and TEXT in decoded.text


def test_entities_only_page_is_plain_ascii():
    data = page('<meta charset="utf-8">', "&#x671D;&#x9C9C;").encode("ascii")
    decoded = decode(data)
    assert decoded.rule == "meta" and "&#x671D;" in decoded.text


def test_a_truncated_multibyte_tail_is_tolerated():
    data = page('<meta charset="gbk">').encode("gbk") + "镕".encode("gbk")[:1]
    decoded = decode(data)
    assert decoded.rule == "meta (lenient)" and TEXT in decoded.text


@pytest.mark.parametrize("label,codec", [("gb2312", "gb18030"), ("GBK", "gb18030"),
                                         ("x-gbk", "gb18030"), ("utf8", "utf-8"),
                                         ("iso-8859-1", "cp1252"), ("bogus", None)])
def test_labels_are_widened(label, codec):
    assert codec_name(label) == codec
