"""36Kr (36kr.com): RSS feeds, SSR list pages with gateway paging, /p/<id> articles.

Facts from team notes, sites.md section 1 (K1, K2/K3, K5/K6; 1.2, 1.3):
- feeds on the www host; <link> ends in ?f=rss; pubDate '2026-02-27 11:48:42  +0800';
- /newsflashes and /information/<nick>/ (on the bare host: www 301s there) embed
  `window.initialState`; the next page is a POST to gateway.36kr.com with the page's
  `pageCallback`, signed: sign = md5(body + nonce), the nonce being the page's
  `window.__GATEWAY_SIGN__`;
- article pages (every form of them) are read in kr36_pages.py;
- newsflash list items carry their whole text, so they are stored from the list; feed
  items of articles carry it too, kept (Link.feed_text) for when the page is refused.

Under refusal (team notes, sites-2026.md): a list page that is a shell
(`initialState` without the list) but hands out a nonce gets page 1 from the gateway
(pageEvent 0, no pageCallback); a shell without a nonce is a refusal (`blocked`).  A
page with items but no nonce takes one from NONCE_PAGES before asking for page 2.  A
gateway answer with a code other than 0 fetches a fresh nonce once; a second refusal
makes the list `blocked`.  No gateway request is ever sent unsigned.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Fetched, Link, Request, from_epoch_ms, iso_beijing
from pipeline.page.clean import drop_noise_lines
from pipeline.page.dates import parse_time
from pipeline.page.parsed import Page
from pipeline.page.text import html_to_text
from pipeline.sources.base import (
    ArticleRef,
    ListPage,
    ListResponse,
    Source,
    dig,
    js_value,
    risk_page,
)
from pipeline.sources.kr36.pages import (
    TITLE_SUFFIXES,
    extract_article,
    fragment_text,
    strip_reprint,
    webview_target,
)
from pipeline.sources.lists import ListSettings

ARTICLE_HOSTS = frozenset({"36kr.com", "www.36kr.com", "m.36kr.com"})
GATEWAY = "https://gateway.36kr.com"
NEWSFLASH_API = GATEWAY + "/api/mis/nav/newsflash/list"
INFORMATION_API = GATEWAY + "/api/mis/nav/ifm/subNav/flow"
_ARTICLE = re.compile(r"^/(?P<goods>goods/)?p/(?P<id>\d{4,20})(?:\.html)?/?$")
_FLASH = re.compile(r"^/newsflashes/(?P<id>\d{4,20})(?:\.html)?/?$")
_ROUTE = re.compile(r"^/?(?P<kind>detail_article|detail_newsflash)$")
_INFO_NICK = re.compile(r"^/information/(?P<nick>[\w-]+)/?$")
_BLOCK_MARKERS = re.compile(r"正在进行安全检测|_wafchallengeid|cf-chl-|\"isSpider\"\s*:\s*true")
# Pages that hand out the gateway nonce, tried in turn when a list page has none (or a
# stale one): the RSS centre, then the newsflash catalog on the bare and mobile hosts.
NONCE_PAGES = ("https://www.36kr.com/rss-center", "https://36kr.com/newsflashes/catalog/0",
               "https://m.36kr.com/newsflashes/catalog/0")


class Kr36(Source):
    name = "36kr"
    domains = ("36kr.com",)
    list_kinds = ("rss", "newsflashes", "information")
    # 36Kr throttles and challenges clients that come often: one request at a time to
    # all its hosts, 5 s apart, and half an hour off after a challenge or risk page
    site_defaults = {"min_interval": 5.0, "concurrency": 1, "cooldown": 30.0}  # noqa: RUF012

    def default_lists(self) -> tuple[ListSettings, ...]:
        # The SSR newsflash list comes before the newsflash feed: its items carry the
        # 原文 link, and an item is recorded from the first list that shows it.
        return (
            ListSettings("feed-article", "rss", "https://www.36kr.com/feed-article"),
            ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes"),
            ListSettings("feed-newsflash", "rss", "https://www.36kr.com/feed-newsflash"),
            ListSettings("web_news", "information", "https://36kr.com/information/web_news/"),
        )

    # ------------------------------------------------------------------------ identity

    def identify(self, url: str) -> ArticleRef | None:
        parts = urlsplit(url.strip())
        if (parts.hostname or "").lower() not in ARTICLE_HOSTS:
            return None
        path = parts.path
        match = _ARTICLE.match(path)
        if match:
            item = match["id"]
            if match["goods"]:
                return ArticleRef(f"36kr:{item}", f"https://36kr.com/goods/p/{item}")
            return ArticleRef(f"36kr:{item}", f"https://36kr.com/p/{item}")
        match = _FLASH.match(path)
        if match:
            item = match["id"]
            return ArticleRef(f"36kr:{item}", f"https://36kr.com/newsflashes/{item}",
                              "newsflash")
        match = _ROUTE.match(path)
        item_id = parse_qs(parts.query).get("itemId", [""])[0]
        if match and item_id.isdigit():
            "newsflash" if match["kind"] == "detail_newsflash" else "article"
            return self.identify(route_url(f"{match['kind']}?itemId={item_id}") or "")
        return None

    def list_kind_for(self, url: str) -> str | None:
        path = urlsplit(url).path
        if path == urlsplit(NEWSFLASH_API).path:
            return "newsflashes"
        if path == urlsplit(INFORMATION_API).path:
            return "information"
        if path.startswith("/feed"):
            return "rss"
        if path.startswith("/newsflashes"):
            return "newsflashes"
        if path.startswith("/information"):
            return "information"
        return None

    def blocked(self, text: str) -> str | None:
        head = text[:300_000]
        match = _BLOCK_MARKERS.search(head)
        if match:
            return "36Kr anti-bot page (" + ("isSpider flag" if "isSpider" in match[0]
                                             else "WAF security check") + ")"
        if risk_page(text, ("articleDetail", "newsflashCatalogData", "informationList",
                            "<rss")):
            return "36Kr risk-control page (captcha / rate warning)"
        return None

    # --------------------------------------------------------------------------- lists

    def parse_list(self, got: ListResponse) -> ListPage:
        lst, fetched, text = got.lst, got.fetched, got.text
        step = dict(got.request.state) if isinstance(got.request.state, dict) else {}
        reason = self.blocked(text)
        if reason and "isSpider" in reason and lst.kind != "rss" and page_nonce(text):
            reason = None  # a flagged shell that still hands out a nonce: use the gateway
        if reason:
            raise SourceError(f"36kr {lst.name}: {fetched.url} answered with an {reason}",
                              reason="blocked")
        if lst.kind == "rss":
            return self._parse_rss(lst, fetched, text)
        if step.get("step") == "nonce":
            return self._after_nonce_page(lst, text, step)
        if step.get("step") == "gateway" or (
                urlsplit(fetched.url).hostname == urlsplit(GATEWAY).hostname):
            return self._parse_gateway(got, step)
        return self._parse_ssr(lst, fetched, text)

    def _parse_rss(self, lst: ListSettings, fetched: Fetched, text: str) -> ListPage:
        items = parse_rss(text)
        if items is None:
            raise SourceError(f"36kr {lst.name}: {fetched.url} is not an RSS feed (the "
                              "bare 36kr.com host answers feeds with HTML; use www.36kr.com)")
        page = ListPage(links=[])
        for item in items:
            link = self.link(item["link"], lst, title=item["title"] or None,
                             published_at=parse_time(item["pubDate"]))
            if link is None:
                page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
                continue
            if link.kind == "newsflash":
                link = replace(link, record=self._flash_record(
                    link, item["description"], item["title"], link.published_at, None,
                    "36kr:rss"))
            elif full_text(item["description"]):  # kept for when the page is refused
                link = replace(link, feed_text=item["description"])
            page.links.append(link)
        return page

    def _parse_ssr(self, lst: ListSettings, fetched: Fetched, text: str) -> ListPage:
        state = js_value(text, "initialState")
        nonce = page_nonce(text)
        path = (("newsflashCatalogData", "data", "newsflashList", "data")
                if lst.kind == "newsflashes" else ("information", "informationList"))
        data = dig(state, *path) if isinstance(state, dict) else None
        if isinstance(data, dict) and isinstance(data.get("itemList"), list):
            return self._items_page(lst, data, nonce, fetched.final_url or fetched.url)
        if nonce:  # a shell holding only the nonce: page 1 comes from the gateway
            return ListPage(links=[], hop=True,
                            next=self._gateway_request(lst, _param(lst, None), nonce))
        if not isinstance(state, dict):
            raise SourceError(f"36kr {lst.name}: {fetched.url} has no window.initialState; "
                              "the site may have changed its template")
        raise SourceError(f"36kr {lst.name}: {fetched.url} is a shell page: initialState has "
                          f"no {'.'.join(path)} and there is no gateway nonce (36Kr refused "
                          "the list)", reason="blocked")

    def _after_nonce_page(self, lst: ListSettings, text: str, step: dict[str, Any]) -> ListPage:
        """A page read only for its nonce: then the gateway, else the next nonce page."""
        nonce = page_nonce(text)
        if nonce:
            return ListPage(links=[], hop=True, next=self._gateway_request(
                lst, step["param"], nonce, refreshed=bool(step.get("refreshed"))))
        left = list(step.get("left") or [])
        if left:
            return ListPage(links=[], hop=True, next=Request(
                left[0], purpose="list", state={**step, "left": left[1:]}))
        raise SourceError(f"36kr {lst.name}: no page gave a gateway nonce (tried the list and "
                          f"{', '.join(NONCE_PAGES)}); newsvault never sends an unsigned "
                          "gateway request, so the list stops here", reason="no-nonce")

    def _parse_gateway(self, got: ListResponse, step: dict[str, Any]) -> ListPage:
        lst, fetched, text = got.lst, got.fetched, got.text
        try:
            payload = json.loads(text)
        except ValueError:
            raise SourceError(f"36kr {lst.name}: the gateway answered non-JSON for "
                              f"{fetched.url}", reason="gateway") from None
        if not isinstance(payload, dict) or payload.get("code") != 0:
            fields = payload if isinstance(payload, dict) else {}
            said = f"code {fields.get('code')}: {fields.get('message') or fields.get('msg')}"
            if step.get("param") is not None and not step.get("refreshed"):
                # a stale nonce: fetch a fresh one once (the list page, then the others)
                return ListPage(links=[], hop=True, next=Request(lst.url, purpose="list", state={
                    "step": "nonce", "param": step["param"], "left": list(NONCE_PAGES),
                    "refreshed": True}))
            raise SourceError(f"36kr {lst.name}: the gateway refused the list ({said}) with a "
                              "fresh nonce too", reason="blocked")
        data = payload.get("data") or {}
        base = lst.url if not lst.url.startswith(GATEWAY) else "https://www.36kr.com/"
        return self._items_page(lst, data, step.get("nonce"), base)

    def _items_page(self, lst: ListSettings, data: dict[str, Any], nonce: str | None,
                    base: str) -> ListPage:
        page = ListPage(links=[])
        for item in data.get("itemList") or []:
            link = self._list_item(lst, item, base)
            if link is None:
                page.skipped["not-article"] = page.skipped.get("not-article", 0) + 1
            else:
                page.links.append(link)
        callback = data.get("pageCallback")
        if data.get("hasNextPage") in (1, True, "1") and callback:
            page.next = self._signed_or_via_nonce(lst, _param(lst, str(callback)), nonce)
        return page

    def _list_item(self, lst: ListSettings, item: Any, base: str) -> Link | None:
        if not isinstance(item, dict):
            return None
        material = item.get("templateMaterial") or {}
        item_id = item.get("itemId") or material.get("itemId")
        route = item.get("route") or ""
        if not route and item_id:
            route = ("detail_newsflash" if item.get("itemType") == 20 else "detail_article")
            route += f"?itemId={item_id}"
        url = route_url(route, base)
        if url is None:
            return None
        published = from_epoch_ms(material.get("publishTime") or item.get("publishTime") or 0)
        link = self.link(url, lst, title=material.get("widgetTitle") or None,
                         published_at=published)
        if link is None:
            return None
        if link.kind == "newsflash":
            source_url = webview_target(material.get("sourceUrlRoute"))
            record = self._flash_record(link, material.get("widgetContent") or "",
                                        link.title, published, source_url, "36kr:list")
            link = replace(link, record=record)
        return link

    def _flash_record(self, link: Link, content: str, title: str | None,
                      published: str | None, source_url: str | None, rule: str) -> Article:
        ref = self.identify(link.url)
        body = html_to_text(content) if "<" in content else content.strip()
        return Article(url=link.url, article_id=link.article_id, site=self.name,
                       kind="newsflash", canonical_url=ref.canonical_url if ref else None,
                       title=title, body=body, published_at=published, source_url=source_url,
                       lang="zh", extractor=rule,
                       provenance={"title": rule, "body": rule, "published_at": rule})

    def _gateway_request(self, lst: ListSettings, param: dict[str, Any], nonce: str,
                         refreshed: bool = False) -> Request:
        """A signed gateway POST: sign = md5(JSON body + nonce) over the bytes sent.
        There is no unsigned form: without a nonce there is no request."""
        if not nonce:
            raise ValueError("a gateway request needs a nonce")
        url = NEWSFLASH_API if lst.kind == "newsflashes" else INFORMATION_API
        body = {"nonce": nonce, "partner_id": "web", "timestamp": int(time.time() * 1000),
                "param": param}
        compact = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        url += "?sign=" + hashlib.md5((compact + nonce).encode()).hexdigest()
        headers = (("Accept", "application/json"), ("Content-Type", "application/json"),
                   ("Origin", "https://www.36kr.com"), ("Referer", lst.url))
        return Request(url, method="POST", content=compact.encode("utf-8"), headers=headers,
                       purpose="list", state={"step": "gateway", "nonce": nonce,
                                              "param": param, "refreshed": refreshed})

    def cursor(self, request: Request | None) -> dict | None:
        """A gateway page is its `pageCallback` (the last item's id): stable over time.
        A nonce page on the way to it points at the same page."""
        state = request.state if request is not None else None
        param = state.get("param") if isinstance(state, dict) else None
        callback = param.get("pageCallback") if isinstance(param, dict) else None
        return {"callback": callback} if isinstance(callback, str) and callback else None

    def resume(self, lst: ListSettings, cursor: dict, fresh: Request | None) -> Request | None:
        """The page at `cursor`, signed with this run's nonce (from `fresh`), or by way of
        a nonce page when this run has none: never unsigned."""
        callback = cursor.get("callback")
        if lst.kind not in ("newsflashes", "information") or not isinstance(callback, str):
            return None
        state = fresh.state if fresh is not None and isinstance(fresh.state, dict) else {}
        return self._signed_or_via_nonce(lst, _param(lst, callback), state.get("nonce"))

    def _signed_or_via_nonce(self, lst: ListSettings, param: dict[str, Any],
                             nonce: str | None) -> Request:
        if nonce:
            return self._gateway_request(lst, param, nonce)
        return Request(NONCE_PAGES[0], purpose="list",
                       state={"step": "nonce", "param": param, "left": list(NONCE_PAGES[1:])})

    def item_url(self, item: dict[str, Any], key: str, base: str) -> str | None:
        """A URL field, else a route (`detail_article?itemId=…`), else an item id with
        its type: itemType 10/20 (gateway and SSR lists), or the `name|type` key the
        2017-2018 `var props` pages file items under (`feedPostsLatest|post`,
        `newsflashList|newsflash`), or a newsflash API's `items`."""
        url = super().item_url(item, key, base)
        if url:
            return url
        if (urlsplit(base).hostname or "") not in ARTICLE_HOSTS:  # a gateway answer
            base = "https://36kr.com/"
        route = item.get("route")
        if isinstance(route, str) and route.startswith(("detail_article", "detail_newsflash")):
            return route_url(route, base)
        material = item.get("templateMaterial")
        item_id = item.get("itemId") or (material.get("itemId") if isinstance(material, dict)
                                         else None)
        if item_id and str(item_id).isdigit() and (item.get("itemType") in (10, 20, None)):
            kind = "detail_newsflash" if item.get("itemType") == 20 else "detail_article"
            return route_url(f"{kind}?itemId={item_id}", base)
        plain = str(item.get("id") or "")
        kind = key.rpartition("|")[2] if "|" in key else ""
        if not plain.isdigit() or not (item.get("title") or item.get("widgetTitle")):
            return None
        if kind == "newsflash" or (key == "items" and "newsflash" in base):
            return urljoin(base, f"/newsflashes/{plain}")
        if kind in ("post", "hotPost", "article", "latestPost", "feedPost"):
            return urljoin(base, f"/p/{plain}")
        return None

    # ------------------------------------------------------------------------ articles

    def claims(self, page: Page) -> bool:
        """A saved 36Kr page: its canonical URL, or a `_36氪` title."""
        if super().claims(page):
            return True
        return (page.title_tag or "").endswith(TITLE_SUFFIXES)

    def extract(self, page: Page) -> Article | None:
        return extract_article(page)

    def feed_article(self, url: str, feed: dict[str, Any], why: str) -> Article | None:
        """The feed item's full text, cleaned as a page's body is (reprint frame, noise
        lines): status 'feed', every field's provenance 'feed'."""
        article = Article(url=url, extractor="36kr:feed", status="feed", lang="zh",
                          title=(feed.get("title") or "").strip() or None,
                          body=fragment_text(feed.get("content") or ""),
                          published_at=_iso(feed.get("published_at")))
        ref = self.identify(url)
        article.canonical_url = ref.canonical_url if ref else None
        lines = [x for x in article.body.split("\n") if x.strip()]
        article.body = "\n".join(strip_reprint(lines, article))
        article.body, _ = drop_noise_lines(article.body)
        for name in ("title", "body", "published_at"):
            if getattr(article, name):
                article.provenance[name] = "feed"
        article.provenance["status"] = (f"page refused ({why}); text of the feed "
                                        f"{feed.get('list_name') or ''}".rstrip())
        return article


# ------------------------------------------------------------------------------ helpers

def route_url(route: str | None, base: str = "https://36kr.com/") -> str | None:
    """'detail_article?itemId=X' -> <base origin>/p/X (newsflashes likewise).

    The page renders these routes as site-relative links, so they resolve against the
    list page's own origin (www.36kr.com for the SSR pages).
    """
    if not route:
        return None
    name, _, query = route.lstrip("/").partition("?")
    item = parse_qs(query).get("itemId", [""])[0]
    if not item.isdigit():
        return None
    paths = {"detail_article": f"/p/{item}", "detail_newsflash": f"/newsflashes/{item}"}
    return urljoin(base, paths[name]) if name in paths else None


def parse_rss(text: str) -> list[dict[str, str]] | None:
    """Items of an RSS 2.0 document (title, link, pubDate, description); None if not RSS."""
    from lxml import etree

    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1).strip()
    if not cleaned.startswith("<"):
        return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(cleaned.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None
    if root is None or etree.QName(root).localname not in {"rss", "RDF", "channel"}:
        return None
    items = []
    for item in root.iter("item"):
        items.append({name: (item.findtext(name) or "").strip()
                      for name in ("title", "link", "pubDate", "description", "guid")})
        if not items[-1]["link"]:
            items[-1]["link"] = items[-1]["guid"]
    return items


def _iso(value: Any) -> str | None:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return iso_beijing(value)
    return str(value) if value else None


def page_nonce(text: str) -> str | None:
    """The gateway nonce an SSR page hands out (window.__GATEWAY_SIGN__), if any."""
    nonce = js_value(text, "__GATEWAY_SIGN__")
    return str(nonce) if isinstance(nonce, str | int) and str(nonce).strip() else None


def full_text(description: str) -> bool:
    """Whether a feed item's description is the article's body, not a summary: two
    paragraphs or more, or a long one (36Kr's feeds carry the whole body)."""
    lines = [x for x in fragment_text(description or "").split("\n") if x.strip()]
    return len(lines) >= 2 or sum(len(x) for x in lines) >= 400


def _param(lst: ListSettings, callback: str | None) -> dict[str, Any]:
    """The gateway's `param`: page 1 is pageEvent 0 with no pageCallback."""
    paging: dict[str, Any] = {"pageEvent": 1 if callback else 0}
    if callback:
        paging["pageCallback"] = callback
    if lst.kind == "newsflashes":
        return {"pageSize": 20, **paging, "siteId": 1, "platformId": 2,
                "type": _flash_type(lst)}
    return {"subnavType": 1, "subnavNick": _info_nick(lst.url), "pageSize": 30, **paging,
            "siteId": 1, "platformId": 2}


def _flash_type(lst: ListSettings) -> int:
    match = re.search(r"/newsflashes/catalog/(\d)", lst.url)
    return int(match.group(1)) if match else 0


def _info_nick(url: str) -> str:
    match = _INFO_NICK.match(urlsplit(url).path)
    return match["nick"] if match else "web_news"
