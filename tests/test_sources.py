"""What each site module knows: article ids, canonical URLs, list pages and paging."""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.core.errors import SourceError
from pipeline.core.records import Fetched, Request
from pipeline.sources import registry
from pipeline.sources.base import ListResponse
from pipeline.sources.lists import ListSettings
from pipeline.sources.netease.lists import jsonp_items, page_url
from tests.fakesites import Fake36Kr, FakeNetEase, refusal_page, unb64

KR = registry.get("36kr")
NE = registry.get("netease")


@pytest.mark.parametrize("url,article_id,canonical,kind", [
    ("https://36kr.com/p/3696945331629704", "36kr:3696945331629704",
     "https://36kr.com/p/3696945331629704", "article"),
    ("https://www.36kr.com/p/3696945331629704?f=rss", "36kr:3696945331629704",
     "https://36kr.com/p/3696945331629704", "article"),
    ("https://m.36kr.com/p/3696945331629704?channel=openclaw", "36kr:3696945331629704",
     "https://36kr.com/p/3696945331629704", "article"),
    ("http://36kr.com/p/5134929.html", "36kr:5134929", "https://36kr.com/p/5134929", "article"),
    ("https://www.36kr.com/newsflashes/3696941537504901", "36kr:3696941537504901",
     "https://36kr.com/newsflashes/3696941537504901", "newsflash"),
    ("https://www.36kr.com/detail_article?itemId=3695486866157184", "36kr:3695486866157184",
     "https://36kr.com/p/3695486866157184", "article"),
    ("https://www.163.com/dy/article/J2PBDVUF0511A6N9.html", "163:J2PBDVUF0511A6N9",
     "https://www.163.com/dy/article/J2PBDVUF0511A6N9.html", "article"),
    ("https://m.163.com/dy/article/J2PBDVUF0511A6N9.html?clickfrom=w_yw", "163:J2PBDVUF0511A6N9",
     "https://www.163.com/dy/article/J2PBDVUF0511A6N9.html", "article"),
    ("https://3g.163.com/news/article/KC12OUHK000189FH.html", "163:KC12OUHK000189FH",
     "https://www.163.com/news/article/KC12OUHK000189FH.html", "article"),
    ("https://money.163.com/25/0325/06/IPB1UBLP00259DLP.html", "163:IPB1UBLP00259DLP",
     "https://www.163.com/money/article/IPB1UBLP00259DLP.html", "article"),
    ("http://news.163.com/16/0221/11/BGBH11VI0001121M.html?f=x", "163:BGBH11VI0001121M",
     "https://www.163.com/news/article/BGBH11VI0001121M.html", "article"),
    ("http://dy.163.com/v2/article/detail/EFDAIN1E054550F0.html", "163:EFDAIN1E054550F0",
     "https://www.163.com/dy/article/EFDAIN1E054550F0.html", "article"),
    ("https://c.m.163.com/news/a/J22CN60P0514R9KQ.html", "163:J22CN60P0514R9KQ",
     "https://www.163.com/news/article/J22CN60P0514R9KQ.html", "article"),
    ("https://ent.163.com/game/20/0703/09/FGJQ9F3V003198EF.html", "163:FGJQ9F3V003198EF",
     "https://www.163.com/ent/article/FGJQ9F3V003198EF.html", "article"),
    ("http://play.163.com/17/0719/09/cpmrno7700318qq3.html", "163:CPMRNO7700318QQ3",
     "https://www.163.com/play/article/CPMRNO7700318QQ3.html", "article"),
    ("http://gz.house.163.com/photonew/5N620087/73338.html", "163:photo:5N620087/73338",
     "https://gz.house.163.com/photonew/5N620087/73338.html", "photoview"),
    ("http://v.163.com/paike/VBDJ9SIIR/VSEQE9587.html", "163:video:VSEQE9587",
     "https://www.163.com/v/video/VSEQE9587.html", "video"),
])
def test_article_urls_collapse_to_one_id(url, article_id, canonical, kind):
    source = registry.for_url(url)
    ref = source.identify(url)
    assert (ref.article_id, ref.canonical_url, ref.kind) == (article_id, canonical, kind)


@pytest.mark.parametrize("url", [
    "https://www.36kr.com/information/AI/", "https://www.36kr.com/user/12345",
    "https://eu.36kr.com/zh/newsflashes/123456", "https://www.163.com/dy/media/T1512041896308.html",
    "https://news.163.com/special/0001386F/rank_whole.html", "https://www.163.com/",
    "https://www.example.com/p/3696945331629704",
])
def test_other_urls_are_not_articles(url):
    source = registry.for_url(url)
    assert source is None or source.identify(url) is None


def respond(source, lst: ListSettings, body: str, url: str | None = None,
            request: Request | None = None):
    fetched = Fetched(url=url or lst.url, status=200, body=body.encode())
    return source.parse_list(ListResponse(lst, request or source.first_request(lst), fetched,
                                          body))


def test_36kr_feed_items_and_their_two_space_dates():
    kr = Fake36Kr()
    kr.publish(articles=2, flashes=1)
    lst = ListSettings("feed-article", "rss", "https://www.36kr.com/feed-article")
    page = respond(KR, lst, kr._rss(kr.articles + kr.flashes).payload().decode())
    assert [link.kind for link in page.links] == ["article", "article", "newsflash"]
    first = page.links[0]
    assert first.url == f"https://36kr.com/p/{kr.articles[0].id}?f=rss"
    assert first.published_at == kr.articles[0].published.isoformat()
    assert page.links[0].record is None and page.links[2].record.body == kr.flashes[0].body
    assert page.next is None


def test_36kr_feed_answered_with_html_is_a_source_error():
    lst = ListSettings("feed", "rss", "https://36kr.com/feed")
    with pytest.raises(SourceError, match="not an RSS feed"):
        respond(KR, lst, "<html><body>hello</body></html>")


def test_36kr_newsflash_page_items_and_signed_next_page():
    kr = Fake36Kr(per_page=3)
    kr.publish(flashes=5)
    lst = ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes")
    page = respond(KR, lst, kr._ssr_flashes().payload().decode())
    assert [link.article_id for link in page.links] == [f"36kr:{s.id}" for s in kr.flashes[:3]]
    assert page.links[0].url == f"https://www.36kr.com/newsflashes/{kr.flashes[0].id}"
    assert page.links[0].record.source_url.startswith("https://example.invalid/news/")
    nxt = page.next
    assert nxt.method == "POST" and nxt.url.startswith(
        "https://gateway.36kr.com/api/mis/nav/newsflash/list?sign=")
    body = json.loads(nxt.content)
    assert body["nonce"] == kr.nonce and body["param"]["pageEvent"] == 1
    assert str(unb64(body["param"]["pageCallback"])["lastId"]) == kr.flashes[2].id


def test_36kr_gateway_refusal_is_a_source_error():
    lst = ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes")
    gateway = "https://gateway.36kr.com/api/mis/nav/newsflash/list"
    with pytest.raises(SourceError, match="code 40001"):
        respond(KR, lst, '{"code":40001,"msg":"sign error"}', url=gateway,
                request=Request(gateway, method="POST", state={"nonce": "n"}))


@pytest.mark.parametrize("page", [
    "<html><script>window.initialState={\"isSpider\":true}</script></html>",
    "<html><body>正在进行安全检测...</body></html>",
    "<html><body>访问过于频繁，请稍后再试</body></html>",
])
def test_36kr_block_pages_are_recognised(page):
    assert KR.blocked(page)
    lst = ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes")
    with pytest.raises(SourceError) as info:
        respond(KR, lst, page)
    assert info.value.reason == "blocked"


def test_36kr_missing_state_says_the_site_changed():
    lst = ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes")
    with pytest.raises(SourceError, match="changed its template"):
        respond(KR, lst, "<html><body><div class='newsflash-item'></div></body></html>")


def test_netease_jsonp_skips_videos_and_tolerates_trailing_commas():
    ne = FakeNetEase(per_page=4)
    ne.publish("tech", 6)
    lst = ListSettings("tech", "jsonp", "https://tech.163.com/special/00097UHL/tech_datalist.js")
    page = respond(NE, lst, ne._jsonp("tech", 1).payload().decode())
    assert [link.article_id for link in page.links] == [
        f"163:{s.id}" for s in ne.stories["tech"][:4]]
    assert page.skipped == {"newstype-video": 1}
    assert page.links[0].published_at == ne.stories["tech"][0].published.isoformat()
    assert page.next.url == "https://tech.163.com/special/00097UHL/tech_datalist_02.js"


def test_netease_jsonp_with_broken_json_falls_back_to_patterns():
    text = ('data_callback([{"title":"测试一","docurl":"https://www.163.com/news/article/'
            'AAAAAAAA0001899O.html","time":"11/20/2026 08:05:00","keywords":[{akey_link:}]}])')
    items = jsonp_items(text)
    assert items == [{"title": "测试一", "docurl":
                      "https://www.163.com/news/article/AAAAAAAA0001899O.html",
                      "time": "11/20/2026 08:05:00"}]


def test_netease_not_a_jsonp_list_is_a_source_error():
    lst = ListSettings("tech", "jsonp", "https://tech.163.com/special/00097UHL/tech_datalist.js")
    with pytest.raises(SourceError, match="data_callback"):
        respond(NE, lst, "<html>moved</html>")


@pytest.mark.parametrize("url,number,expected", [
    ("https://news.163.com/special/cm_yaowen20200213/?callback=data_callback", 2,
     "https://news.163.com/special/cm_yaowen20200213_02/?callback=data_callback"),
    ("https://tech.163.com/special/00097UHL/tech_datalist.js", 10,
     "https://tech.163.com/special/00097UHL/tech_datalist_10.js"),
    ("https://tech.163.com/special/00097UHL/tech_datalist.js", 1,
     "https://tech.163.com/special/00097UHL/tech_datalist.js"),
])
def test_netease_list_paging(url, number, expected):
    assert page_url(url, number) == expected


def test_netease_rolling_list():
    ne = FakeNetEase()
    ne.publish("yaowen", 2)
    ne.publish("money", 1, template="2016")
    lst = ListSettings("rolling", "rolling", "https://news.163.com/special/0001220O/new_json2021.js")
    page = respond(NE, lst, ne._rolling().payload().decode())
    assert {link.article_id for link in page.links} == {
        f"163:{s.id}" for g in ne.stories.values() for s in g}
    assert page.next is None


@pytest.mark.parametrize("url,kind", [
    ("https://m.163.com/fe/api/hot/news/flow", "hot"),
    ("https://dy.163.com/v2/article/list.do?pageNo=1&wemediaId=W1&size=10", "dy"),
    ("https://www.163.com/dy/media/T1600000000001.html", "dy"),
    ("https://news.163.com/special/0001220O/new_json2021.js", "rolling"),
])
def test_netease_list_kinds_by_url(url, kind):
    assert NE.list_kind_for(url) == kind


def _flow_page(kind: str, url: str, items: list[dict]):
    lst = ListSettings("x", kind, url)
    text = json.dumps({"code": 200, "data": {"list": items}}, ensure_ascii=False)
    request = NE.first_request(lst)
    return NE.parse_list(ListResponse(lst, request, Fetched(url, status=200), text))


def test_netease_hot_flow_takes_the_url_or_the_docid_and_skips_the_rest():
    page = _flow_page("hot", "https://m.163.com/fe/api/hot/news/flow", [
        {"docid": "AAAAAAAA00097U7R", "title": "一", "ptime": "2026-11-20 08:00:00",
         "url": "https://www.163.com/tech/article/AAAAAAAA00097U7R.html"},
        {"docid": "BBBBBBBB0001899O", "title": "二", "ptime": "2026-11-20 08:05:00"},
        {"docid": "VCCCCCCCC", "title": "视频", "skipURL": "https://www.163.com/v/video/VCCCCCCCC.html"},
    ])
    assert [(ln.url, ln.published_at) for ln in page.links] == [
        ("https://www.163.com/tech/article/AAAAAAAA00097U7R.html", "2026-11-20T08:00:00+08:00"),
        ("https://www.163.com/news/article/BBBBBBBB0001899O.html", "2026-11-20T08:05:00+08:00")]
    assert page.skipped == {"not-article-url": 1} and page.next is None
    assert NE.complete_list(ListSettings("x", "hot", "")) is False


def test_netease_dy_list_pages_by_page_number_and_resumes():
    url = "https://dy.163.com/v2/article/list.do?pageNo=1&wemediaId=W1&size=10"
    page = _flow_page("dy", url, [{"docid": "DDDDDDDD0550DY01", "title": "号文",
                                   "ptime": "2026-11-20 09:00:00"}])
    assert [ln.url for ln in page.links] == ["https://www.163.com/dy/article/DDDDDDDD0550DY01.html"]
    assert page.next.url == url.replace("pageNo=1", "pageNo=2")
    cursor = NE.cursor(page.next)
    assert cursor == {"page": 2}
    again = NE.resume(ListSettings("x", "dy", url), cursor, None)
    assert again.url == page.next.url
    assert _flow_page("dy", url, []).next is None  # an empty page ends the list


def test_netease_rolling_list_asks_with_the_latest_page_as_referer():
    lst = ListSettings("rolling", "rolling", "https://news.163.com/special/0001220O/new_json2021.js")
    assert dict(NE.first_request(lst).headers)["Referer"] == "https://news.163.com/latest/"


# ------------------------------------------------------------- 36Kr shells, nonces, gateway

FLASHES = ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes")


def signed(request: Request) -> tuple[dict, str]:
    """The body of a gateway request, checked against its sign."""
    body = json.loads(request.content)
    sign = request.url.split("?sign=", 1)[1]
    assert sign == hashlib.md5(request.content + body["nonce"].encode()).hexdigest()
    assert ("Accept", "application/json") in request.headers
    return body, sign


@pytest.mark.parametrize("mode", ["shell", "spider-nonce"])
def test_36kr_shell_with_a_nonce_hops_to_gateway_page_one(mode):
    kr = Fake36Kr(list_mode=mode)
    page = respond(KR, FLASHES, kr._ssr_flashes().payload().decode())
    assert page.hop and page.links == []
    body, _ = signed(page.next)
    assert body["nonce"] == kr.nonce
    assert body["param"]["pageEvent"] == 0 and "pageCallback" not in body["param"]
    assert list(body) == ["nonce", "partner_id", "timestamp", "param"]


@pytest.mark.parametrize("page", [
    '<html><script>window.initialState={"isSpider":true}</script></html>',
    '<html><script>window.initialState={"theme":"default"}</script></html>',
], ids=["spider-flag", "no-list-no-nonce"])
def test_36kr_state_without_list_or_nonce_is_a_refusal(page):
    with pytest.raises(SourceError) as info:
        respond(KR, FLASHES, page)
    assert info.value.reason == "blocked"


def test_36kr_list_without_a_nonce_asks_a_nonce_page_before_page_two():
    kr = Fake36Kr(per_page=3, list_mode="no-nonce")
    kr.publish(flashes=5)
    page = respond(KR, FLASHES, kr._ssr_flashes().payload().decode())
    assert len(page.links) == 3
    assert (page.next.method, page.next.url) == ("GET", "https://www.36kr.com/rss-center")
    hop = respond(KR, FLASHES, kr._nonce_page(), url=page.next.url, request=page.next)
    body, _ = signed(hop.next)
    assert body["param"]["pageEvent"] == 1 and body["param"]["pageCallback"]


def test_36kr_nonce_pages_run_out_without_an_unsigned_request():
    request = Request("https://m.36kr.com/newsflashes/catalog/0", purpose="list",
                      state={"step": "nonce", "param": {"pageEvent": 0}, "left": []})
    with pytest.raises(SourceError, match="never sends an unsigned") as info:
        respond(KR, FLASHES, "<html><body>no nonce here</body></html>", request=request)
    assert info.value.reason == "no-nonce"


def test_36kr_invalid_sign_refreshes_the_nonce_once_then_blocks():
    kr = Fake36Kr()
    first = respond(KR, FLASHES, kr._nonce_page()).next
    refused = '{"code":401,"message":"invalid sign"}'
    hop = respond(KR, FLASHES, refused, url=first.url, request=first)
    assert hop.hop and hop.next.url == FLASHES.url and hop.next.state["refreshed"]
    again = respond(KR, FLASHES, kr._nonce_page(), request=hop.next).next
    with pytest.raises(SourceError, match="invalid sign") as info:
        respond(KR, FLASHES, refused, url=again.url, request=again)
    assert info.value.reason == "blocked"


@pytest.mark.parametrize("kind", ["challenge", "spider", "captcha", "cloudflare"])
def test_36kr_refusal_pages_are_recognised(kind):
    assert KR.blocked(refusal_page(kind))


def test_36kr_feed_items_keep_full_text_but_not_summaries():
    kr = Fake36Kr()
    full, short = kr.publish(articles=2)
    short.paragraphs = ["一句话摘要。"]
    lst = ListSettings("feed-article", "rss", "https://www.36kr.com/feed-article")
    page = respond(KR, lst, kr._rss(kr.articles).payload().decode())
    texts = {link.article_id: link.feed_text for link in page.links}
    assert texts[f"36kr:{full.id}"] == full.body_html and texts[f"36kr:{short.id}"] is None


def test_36kr_resume_over_a_gap_is_signed_or_goes_by_a_nonce_page():
    kr = Fake36Kr(per_page=3)
    kr.publish(flashes=5)
    page = respond(KR, FLASHES, kr._ssr_flashes().payload().decode())
    cursor = KR.cursor(page.next)
    assert cursor == {"callback": json.loads(page.next.content)["param"]["pageCallback"]}
    body, _ = signed(KR.resume(FLASHES, cursor, page.next))
    assert body["param"]["pageCallback"] == cursor["callback"]
    without = KR.resume(FLASHES, cursor, None)  # this run has no nonce yet
    assert (without.method, without.url) == ("GET", "https://www.36kr.com/rss-center")
    assert KR.cursor(without) == cursor
