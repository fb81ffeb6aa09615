"""`links` on a list page of every 36Kr and NetEase template, 2012-2026.

Each page under tests/pages/lists is a synthetic page in a real template's structure
(feeds, API and gateway answers, JSONP, `var props`, `window.initialState`,
`__INITIAL_STATE__`, channel, user and media pages) with a `.gold.json` beside it:
`items` must all be found, and nothing may be found beyond `items` and
`also_on_page` (other article links the page shows: hot lists, sidebars).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.discover.links import links
from pipeline.sources import registry

LISTS = Path(__file__).parent / "pages" / "lists"
GOLD = sorted(LISTS.glob("*.gold.json"))


def article_key(url: str) -> str:
    source = registry.for_url(url)
    ref = source.identify(url) if source is not None else None
    assert ref is not None, f"gold URL {url} is no article of a known site"
    return ref.article_id


@pytest.mark.parametrize("gold_path", GOLD, ids=[p.name.split(".")[0] for p in GOLD])
def test_every_item_of_the_list_is_found_and_nothing_else(gold_path):
    gold = json.loads(gold_path.read_text("utf-8"))
    found = [link.article_id for link in links((LISTS / gold["file"]).read_bytes(), gold["url"])]
    items = [article_key(item["url"]) for item in gold["items"]]
    tolerated = {article_key(item["url"]) for item in gold["also_on_page"]}
    assert [k for k in items if k not in found] == []
    assert [k for k in found if k not in items and k not in tolerated] == []
    assert len(found) == len(set(found))  # each article once


def test_there_is_a_page_for_every_template():
    names = {p.name.split(".")[0] for p in GOLD}
    assert len(names) >= 18
    assert {n.split("_")[0] for n in names} == {"kr36", "ne"}


@pytest.mark.parametrize("name,url,expected", [
    ("kr36_newsflashes_2017.html", "http://36kr.com/newsflashes", "newsflash"),
    ("kr36_home_2018.html", "https://36kr.com/", "article"),
    ("ne_touch_jsonp_2024.js",
     "https://3g.163.com/touch/reconstruct/article/list/BBM54PGAwangning/0-10.html", "article"),
])
def test_links_carry_titles_and_kinds(name, url, expected):
    found = links((LISTS / name).read_bytes(), url)
    assert found[0].kind == expected and found[0].title


def test_an_external_source_link_of_a_newsflash_is_not_an_item():
    page = json.dumps({"code": 0, "data": {"items": [
        {"id": 9001, "title": "测试快讯", "news_url": "https://36kr.com.example.invalid/p/1234567"}]}})
    found = links(page.encode(), "http://36kr.com/api/newsflash?per_page=1")
    assert [link.url for link in found] == ["http://36kr.com/newsflashes/9001"]


def test_a_special_page_in_a_touch_list_is_skipped():
    page = "artiList(" + json.dumps({"X": [
        {"docid": "J6AB99CD0001899O", "title": "专题", "skipType": "special",
         "skipURL": "https://news.163.com/special/test/"}]}) + ")"
    assert links(page.encode(), "https://3g.163.com/touch/reconstruct/article/list/X/0-1.html") \
        == []


def test_an_item_without_a_title_is_no_article():
    page = json.dumps({"data": {"list": [{"docid": "K1HF00QR0512B07B"}]}})
    url = "https://gw.m.163.com/nc/api/v1/feed/static/normal-list?start=0&size=1"
    assert links(page.encode(), url) == []
