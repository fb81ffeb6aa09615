"""36Kr (36kr.com): RSS feeds, SSR list pages with gateway paging, /p/<id> articles.

Facts from ../shared/notes/sites.md section 1 (K1, K2/K3, K5/K6; 1.2, 1.3):
- feeds on the www host; <link> ends in ?f=rss; pubDate '2026-02-27 11:48:42  +0800';
- /newsflashes and /information/<nick>/ embed `window.initialState`; the next page is a
  POST to gateway.36kr.com with the page's `pageCallback` (signed with the page's
  `__GATEWAY_SIGN__` nonce when there is one);
- article pages (every form of them) are read in kr36_pages.py;
- newsflash list items carry their whole text, so they are stored from the list.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from ..errors import SourceError
from ..extract.dates import parse_time
from ..extract.text import html_to_text
from ..records import Article, Fetched, Link, Request, from_epoch_ms
from ..settings import ListSettings
from .base import ArticleRef, ListPage, ListResponse, Page, Source, dig, js_value, risk_page
from .kr36_pages import TITLE_SUFFIXES, extract_article, webview_target

ARTICLE_HOSTS = frozenset({"36kr.com", "www.36kr.com", "m.36kr.com"})
GATEWAY = "https://gateway.36kr.com"
NEWSFLASH_API = GATEWAY + "/api/mis/nav/newsflash/list"
INFORMATION_API = GATEWAY + "/api/mis/nav/ifm/subNav/flow"
_ARTICLE = re.compile(r"^/(?P<goods>goods/)?p/(?P<id>\d{4,20})(?:\.html)?/?$")
_FLASH = re.compile(r"^/newsflashes/(?P<id>\d{4,20})(?:\.html)?/?$")
_ROUTE = re.compile(r"^/?(?P<kind>detail_article|detail_newsflash)$")
_INFO_NICK = re.compile(r"^/information/(?P<nick>[\w-]+)/?$")
_BLOCK_MARKERS = re.compile(r"正在进行安全检测|_wafchallengeid|\"isSpider\"\s*:\s*true")


class Kr36(Source):
    name = "36kr"
    domains = ("36kr.com",)
    list_kinds = ("rss", "newsflashes", "information")

    def default_lists(self) -> tuple[ListSettings, ...]:
        # The SSR newsflash list comes before the newsflash feed: its items carry the
        # 原文 link, and an item is recorded from the first list that shows it.
        return (
            ListSettings("feed-article", "rss", "https://www.36kr.com/feed-article"),
            ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes"),
            ListSettings("feed-newsflash", "rss", "https://www.36kr.com/feed-newsflash"),
            ListSettings("web_news", "information", "https://www.36kr.com/information/web_news/"),
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
        if risk_page(text, ("articleDetail", "newsflashCatalogData", "<rss")):
            return "36Kr risk-control page (captcha / rate warning)"
        return None

    # --------------------------------------------------------------------------- lists

    def parse_list(self, got: ListResponse) -> ListPage:
        lst, fetched, text = got.lst, got.fetched, got.text
        reason = self.blocked(text)
        if reason:
            raise SourceError(f"36kr {lst.name}: {fetched.url} answered with an {reason}",
                              reason="blocked")
        if lst.kind == "rss":
            return self._parse_rss(lst, fetched, text)
        if urlsplit(fetched.url).hostname == urlsplit(GATEWAY).hostname:
            return self._parse_gateway(got)
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
                link = _with_record(link, self._flash_record(
                    link, item["description"], item["title"], link.published_at, None,
                    "36kr:rss"))
            page.links.append(link)
        return page

    def _parse_ssr(self, lst: ListSettings, fetched: Fetched, text: str) -> ListPage:
        state = js_value(text, "initialState")
        if not isinstance(state, dict):
            raise SourceError(f"36kr {lst.name}: {fetched.url} has no window.initialState; "
                              "the site may have changed its template")
        path = (("newsflashCatalogData", "data", "newsflashList", "data")
                if lst.kind == "newsflashes" else ("information", "informationList"))
        data = dig(state, *path)
        if not isinstance(data, dict) or not isinstance(data.get("itemList"), list):
            raise SourceError(f"36kr {lst.name}: initialState has no {'.'.join(path)}.itemList"
                              " on " + fetched.url + "; the site may have changed its template")
        nonce = js_value(text, "__GATEWAY_SIGN__")
        return self._items_page(lst, data, str(nonce) if nonce else None,
                                fetched.final_url or fetched.url)

    def _parse_gateway(self, got: ListResponse) -> ListPage:
        lst, fetched, text = got.lst, got.fetched, got.text
        try:
            payload = json.loads(text)
        except ValueError:
            raise SourceError(f"36kr {lst.name}: the gateway answered non-JSON for "
                              f"{fetched.url}", reason="gateway") from None
        if not isinstance(payload, dict) or payload.get("code") != 0:
            code = payload.get("code") if isinstance(payload, dict) else None
            msg = payload.get("msg") if isinstance(payload, dict) else None
            raise SourceError(f"36kr {lst.name}: the gateway refused the next page (code "
                              f"{code}: {msg})", reason="gateway")
        data = payload.get("data") or {}
        state = got.request.state if isinstance(got.request.state, dict) else {}
        base = lst.url if not lst.url.startswith(GATEWAY) else "https://www.36kr.com/"
        return self._items_page(lst, data, state.get("nonce"), base)

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
            page.next = self._next_request(lst, str(callback), nonce)
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
            link = _with_record(link, record)
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

    def _next_request(self, lst: ListSettings, callback: str, nonce: str | None) -> Request:
        if lst.kind == "newsflashes":
            url, param = NEWSFLASH_API, {"pageSize": 20, "pageEvent": 1, "pageCallback": callback,
                                         "siteId": 1, "platformId": 2, "type": _flash_type(lst)}
        else:
            nick = _info_nick(lst.url)
            url, param = INFORMATION_API, {"subnavType": 1, "subnavNick": nick, "pageSize": 30,
                                           "pageEvent": 1, "pageCallback": callback,
                                           "siteId": 1, "platformId": 2}
        body: dict[str, Any] = {"partner_id": "web", "timestamp": int(time.time() * 1000),
                                "param": param}
        if nonce:
            body = {"nonce": nonce, **body}
        compact = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if nonce:  # sign = md5(JSON.stringify(body) + nonce), over the bytes sent
            url += "?sign=" + hashlib.md5((compact + nonce).encode()).hexdigest()
        headers = (("Content-Type", "application/json"), ("Origin", "https://www.36kr.com"),
                   ("Referer", lst.url))
        return Request(url, method="POST", content=compact.encode("utf-8"), headers=headers,
                       purpose="list", state={"nonce": nonce, "callback": callback})

    def cursor(self, request: Request | None) -> dict | None:
        """A gateway page is `pageCallback` (the last item's id): stable over time."""
        state = request.state if request is not None else None
        callback = state.get("callback") if isinstance(state, dict) else None
        return {"callback": callback} if isinstance(callback, str) and callback else None

    def resume(self, lst: ListSettings, cursor: dict, fresh: Request | None) -> Request | None:
        callback = cursor.get("callback")
        if lst.kind not in ("newsflashes", "information") or not isinstance(callback, str):
            return None
        state = fresh.state if fresh is not None and isinstance(fresh.state, dict) else {}
        return self._next_request(lst, callback, state.get("nonce"))

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


def _flash_type(lst: ListSettings) -> int:
    match = re.search(r"/newsflashes/catalog/(\d)", lst.url)
    return int(match.group(1)) if match else 0


def _info_nick(url: str) -> str:
    match = _INFO_NICK.match(urlsplit(url).path)
    return match["nick"] if match else "web_news"


def _with_record(link: Link, record: Article) -> Link:
    from dataclasses import replace

    return replace(link, record=record)


