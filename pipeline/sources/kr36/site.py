"""36Kr (36kr.com): its identity, block pages, and the readers of its lists and pages.

Facts from team notes, sites.md section 1 (K1, K2/K3, K5/K6; 1.2, 1.3):
- its defaults (lists, politeness) are in defaults.py; list pages are read in lists.py,
  the signed gateway that pages them in gateway.py, article pages (every form of them)
  in pages.py;
- /newsflashes and /information/<nick>/ (on the bare host: www 301s there) embed
  `window.initialState`; the next page is a POST to gateway.36kr.com;
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

import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Request, iso_beijing
from pipeline.page.clean import drop_noise_lines
from pipeline.page.parsed import Page
from pipeline.sources.base import ArticleRef, ListPage, ListResponse, Source, risk_page
from pipeline.sources.kr36 import defaults
from pipeline.sources.kr36.gateway import (
    GATEWAY,
    INFORMATION_API,
    NEWSFLASH_API,
    after_nonce_page,
    gateway_param,
    page_nonce,
    signed_or_via_nonce,
)
from pipeline.sources.kr36.lists import gateway_page, route_url, rss_page, ssr_page
from pipeline.sources.kr36.pages import (
    TITLE_SUFFIXES,
    extract_article,
    fragment_text,
    strip_reprint,
)
from pipeline.sources.lists import ListSettings

ARTICLE_HOSTS = frozenset({"36kr.com", "www.36kr.com", "m.36kr.com"})
_ARTICLE = re.compile(r"^/(?P<goods>goods/)?p/(?P<id>\d{4,20})(?:\.html)?/?$")
_FLASH = re.compile(r"^/newsflashes/(?P<id>\d{4,20})(?:\.html)?/?$")
_ROUTE = re.compile(r"^/?(?P<kind>detail_article|detail_newsflash)$")
_BLOCK_MARKERS = re.compile(r"正在进行安全检测|_wafchallengeid|cf-chl-|\"isSpider\"\s*:\s*true")


class Kr36(Source):
    name = "36kr"
    domains = ("36kr.com",)
    list_kinds = ("rss", "newsflashes", "information")
    enabled_by_default = defaults.ENABLED
    site_defaults = defaults.SETTINGS
    archive_patterns = ("36kr.com/p/*", "m.36kr.com/p/*", "36kr.com/newsflashes*",
                        "36kr.com/feed*", "36kr.com/information/*")
    archive_list_kinds = ("rss", "newsflashes", "information")

    def default_lists(self) -> tuple[ListSettings, ...]:
        return defaults.LISTS

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
            return rss_page(self, lst, fetched, text)
        if step.get("step") == "nonce":
            return after_nonce_page(lst, text, step)
        if step.get("step") == "gateway" or (
                urlsplit(fetched.url).hostname == urlsplit(GATEWAY).hostname):
            return gateway_page(self, got, step)
        return ssr_page(self, lst, fetched, text)

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
        return signed_or_via_nonce(lst, gateway_param(lst, callback), state.get("nonce"))

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


def _iso(value: Any) -> str | None:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return iso_beijing(value)
    return str(value) if value else None
