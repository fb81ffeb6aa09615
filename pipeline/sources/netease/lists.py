"""NetEase's list pages: channel JSONP lists, the rolling list, the hot flow, 网易号
account lists and pages, plain HTML lists (see site.py for what each looks like).

Each reader is handed the site (`source`) for its link and id rules.
"""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from pipeline.core.errors import SourceError
from pipeline.core.records import Request
from pipeline.page.dates import parse_time
from pipeline.sources.base import ListPage, ListResponse, Source, anchor_links


def flow_page(source: Source, got: ListResponse, what: str, base: str) -> ListPage:
    """`{data: {list: [{docid, title, source, ptime, url?}]}}`: the hot flow and
    网易号 account lists. A docid alone makes the URL under `base`."""
    try:
        data = json.loads(got.text)
    except ValueError:
        data = None
    items = data.get("data") if isinstance(data, dict) else None
    items = items.get("list") if isinstance(items, dict) else None
    if not isinstance(items, list):
        raise SourceError(f"netease {got.lst.name}: {got.fetched.url} is not a {what} "
                          "({data: {list: [...]}}); the endpoint may have moved")
    page = ListPage(links=[])
    for item in items:
        link = None
        if isinstance(item, dict):
            candidates = [str(item.get(k) or "") for k in ("url", "skipURL")]
            docid = str(item.get("docid") or "")
            if re.fullmatch(r"[0-9A-Z]{16}", docid):
                candidates.append(f"{base}{docid}.html")
            for url in candidates:
                link = source.link(url, got.lst, title=_clean(item.get("title")),
                                 published_at=parse_time(item.get("ptime")))
                if link is not None and link.kind == "article":
                    break
                link = None
        if link is None:
            page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
        else:
            page.links.append(link)
    return page


def media_page(source: Source, got: ListResponse) -> ListPage:
    """A 网易号 account page: its article list (`.tab_content`), else every anchor."""
    tree = LexborHTMLParser(got.text)
    block = tree.css_first(".tab_content")
    html_text = (block.html or "") if block is not None else got.text
    base = got.fetched.final_url or got.fetched.url
    return ListPage(links=anchor_links(source, html_text, base, got.lst))


def jsonp_page(source: Source, got: ListResponse) -> ListPage:
    items = jsonp_items(got.text)
    if items is None:
        raise SourceError(f"netease {got.lst.name}: {got.fetched.url} is not a "
                          "data_callback([...]) list; the endpoint may have moved")
    page = ListPage(links=[])
    for item in items:
        newstype = str(item.get("newstype") or "article")
        url = str(item.get("docurl") or "")
        link = source.link(url, got.lst, title=_clean(item.get("title")),
                         published_at=parse_time(item.get("time")))
        if newstype != "article" or link is None or link.kind != "article":
            reason = f"newstype-{newstype}" if newstype != "article" else "not-article-url"
            page.skipped[reason] = page.skipped.get(reason, 0) + 1
            continue
        page.links.append(link)
    if items:
        number = (page_of(got.request) or got.page_no) + 1
        page.next = Request(page_url(got.lst.url, number), purpose="list",
                            headers=(("Referer", referer_of(got.lst.url)),),
                            state={"page": number})
    return page


def rolling_page(source: Source, got: ListResponse) -> ListPage:
    start, end = got.text.find("{"), got.text.rfind("}")
    try:
        data = json.loads(got.text[start:end + 1]) if 0 <= start < end else None
    except ValueError:
        data = None
    groups = data.get("news") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise SourceError(f"netease {got.lst.name}: {got.fetched.url} has no "
                          "`var data={news:[...]}`; the endpoint may have moved")
    page = ListPage(links=[])
    for group in groups:
        for item in group if isinstance(group, list) else []:
            if not isinstance(item, dict):
                continue
            link = source.link(str(item.get("l") or ""), got.lst, title=_clean(item.get("t")),
                             published_at=parse_time(item.get("p")))
            if link is None or link.kind != "article":
                page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
            else:
                page.links.append(link)
    return page


def html_page(source: Source, got: ListResponse) -> ListPage:
    page = ListPage(links=[])
    for link in anchor_links(source, got.text, got.fetched.final_url or got.fetched.url,
                             got.lst):
        page.links.append(link)
    return page


def jsonp_items(text: str) -> list[dict] | None:
    """The list inside `data_callback([...])`, tolerating trailing commas; None if absent."""
    start, end = text.find("("), text.rfind(")")
    if not 0 <= start < end:
        return None
    payload = text[start + 1:end].strip()
    for candidate in (payload, re.sub(r",\s*([\]}])", r"\1", payload)):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else None
    return _items_by_pattern(payload)


_ITEM = re.compile(r'"title"\s*:\s*"(?P<title>(?:[^"\\]|\\.)*)"[^{}]*?'
                   r'"docurl"\s*:\s*"(?P<docurl>[^"]+)"(?:[^{}]*?"time"\s*:\s*"(?P<time>[^"]*)")?')


def _items_by_pattern(payload: str) -> list[dict] | None:
    """Last resort for broken JSON (a bad `keywords` field): title/docurl/time by pattern."""
    items = [m.groupdict() for m in _ITEM.finditer(payload)]
    for item in items:
        with contextlib.suppress(ValueError):
            item["title"] = json.loads(f'"{item["title"]}"')
    return items or None


def page_url(url: str, number: int) -> str:
    """URL of page `number` of a NetEase list: `_0N` before `.js` or the trailing slash."""
    if number <= 1:
        return url
    parts = urlsplit(url)
    path = parts.path
    if path.endswith(".js"):
        path = f"{path[:-3]}_{number:02d}.js"
    elif path.endswith("/"):
        path = f"{path[:-1]}_{number:02d}/"
    else:
        path = f"{path}_{number:02d}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))



def page_of(request: Request | None) -> int | None:
    """The page number a list request asks for (its paging state)."""
    state = request.state if request is not None else None
    number = state.get("page") if isinstance(state, dict) else None
    return number if isinstance(number, int) else None


def with_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query.update({k: [v] for k, v in values.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path,
                       urlencode(query, doseq=True), ""))


def referer_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _clean(value: object) -> str | None:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text or None
