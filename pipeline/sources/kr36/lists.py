"""36Kr's list pages: RSS feeds, SSR pages with `window.initialState`, gateway answers.

Facts from team notes, sites.md section 1 (K1, K2/K3): feeds on the www host; <link>
ends in ?f=rss; pubDate '2026-02-27 11:48:42  +0800'.  SSR and gateway items name their
article by a route (`detail_article?itemId=…`).  Newsflash items carry their whole text,
so they are stored from the list; feed items of articles carry it too, kept
(Link.feed_text) for when the page is refused.

Each reader is handed the site (`source`) for its link and id rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urljoin

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Fetched, Link, from_epoch_ms
from pipeline.page.dates import parse_time
from pipeline.page.text import html_to_text
from pipeline.sources.base import ListPage, ListResponse, Source, dig, js_value
from pipeline.sources.kr36.gateway import (
    GATEWAY,
    gateway_param,
    page_nonce,
    refresh_nonce,
    signed_or_via_nonce,
    signed_request,
)
from pipeline.sources.kr36.pages import fragment_text, webview_target
from pipeline.sources.lists import ListSettings


def rss_page(source: Source, lst: ListSettings, fetched: Fetched, text: str) -> ListPage:
    items = parse_rss(text)
    if items is None:
        raise SourceError(f"36kr {lst.name}: {fetched.url} is not an RSS feed (the "
                          "bare 36kr.com host answers feeds with HTML; use www.36kr.com)")
    page = ListPage(links=[])
    for item in items:
        link = source.link(item["link"], lst, title=item["title"] or None,
                           published_at=parse_time(item["pubDate"]))
        if link is None:
            page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
            continue
        if link.kind == "newsflash":
            link = replace(link, record=flash_record(
                source, link, item["description"], item["title"], link.published_at, None,
                "36kr:rss"))
        elif full_text(item["description"]):  # kept for when the page is refused
            link = replace(link, feed_text=item["description"])
        page.links.append(link)
    return page


def ssr_page(source: Source, lst: ListSettings, fetched: Fetched, text: str) -> ListPage:
    state = js_value(text, "initialState")
    nonce = page_nonce(text)
    path = (("newsflashCatalogData", "data", "newsflashList", "data")
            if lst.kind == "newsflashes" else ("information", "informationList"))
    data = dig(state, *path) if isinstance(state, dict) else None
    if isinstance(data, dict) and isinstance(data.get("itemList"), list):
        return items_page(source, lst, data, nonce, fetched.final_url or fetched.url)
    if nonce:  # a shell holding only the nonce: page 1 comes from the gateway
        return ListPage(links=[], hop=True,
                        next=signed_request(lst, gateway_param(lst, None), nonce))
    if not isinstance(state, dict):
        raise SourceError(f"36kr {lst.name}: {fetched.url} has no window.initialState; "
                          "the site may have changed its template")
    raise SourceError(f"36kr {lst.name}: {fetched.url} is a shell page: initialState has "
                      f"no {'.'.join(path)} and there is no gateway nonce (36Kr refused "
                      "the list)", reason="blocked")


def gateway_page(source: Source, got: ListResponse, step: dict[str, Any]) -> ListPage:
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
            return ListPage(links=[], hop=True, next=refresh_nonce(lst, step["param"]))
        raise SourceError(f"36kr {lst.name}: the gateway refused the list ({said}) with a "
                          "fresh nonce too", reason="blocked")
    data = payload.get("data") or {}
    base = lst.url if not lst.url.startswith(GATEWAY) else "https://www.36kr.com/"
    return items_page(source, lst, data, step.get("nonce"), base)


def items_page(source: Source, lst: ListSettings, data: dict[str, Any], nonce: str | None,
               base: str) -> ListPage:
    page = ListPage(links=[])
    for item in data.get("itemList") or []:
        link = _list_item(source, lst, item, base)
        if link is None:
            page.skipped["not-article"] = page.skipped.get("not-article", 0) + 1
        else:
            page.links.append(link)
    callback = data.get("pageCallback")
    if data.get("hasNextPage") in (1, True, "1") and callback:
        page.next = signed_or_via_nonce(lst, gateway_param(lst, str(callback)), nonce)
    return page


def _list_item(source: Source, lst: ListSettings, item: Any, base: str) -> Link | None:
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
    link = source.link(url, lst, title=material.get("widgetTitle") or None,
                       published_at=published)
    if link is None:
        return None
    if link.kind == "newsflash":
        source_url = webview_target(material.get("sourceUrlRoute"))
        record = flash_record(source, link, material.get("widgetContent") or "",
                              link.title, published, source_url, "36kr:list")
        link = replace(link, record=record)
    return link


def flash_record(source: Source, link: Link, content: str, title: str | None,
                 published: str | None, source_url: str | None, rule: str) -> Article:
    """A newsflash stored from its list item: the item is the whole story."""
    ref = source.identify(link.url)
    body = html_to_text(content) if "<" in content else content.strip()
    return Article(url=link.url, article_id=link.article_id, site=source.name,
                   kind="newsflash", canonical_url=ref.canonical_url if ref else None,
                   title=title, body=body, published_at=published, source_url=source_url,
                   lang="zh", extractor=rule,
                   provenance={"title": rule, "body": rule, "published_at": rule})


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


def full_text(description: str) -> bool:
    """Whether a feed item's description is the article's body, not a summary: two
    paragraphs or more, or a long one (36Kr's feeds carry the whole body)."""
    lines = [x for x in fragment_text(description or "").split("\n") if x.strip()]
    return len(lines) >= 2 or sum(len(x) for x in lines) >= 400
