"""The search page: `newsvault search` with highlighted snippets, facets and paging.

    /search?q=智谱 "大模型" -融资&site=36kr&since=2026-11-01&until=2026-11-30&page=2

Results come from pipeline.analyze.search (BM25 over the jieba term index, snippets
with their matches marked); PER_PAGE a page (`per_page`).  A site facet links to the same search on
that site, a month facet to the same search within that month; the 来源 facet counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipeline.analyze.search import SearchQuery, SearchResults, search
from pipeline.sources import registry
from pipeline.web.params import BadParameter, Params
from pipeline.web.render import page, query

PER_PAGE = 20     # results a page, unless per_page says otherwise (up to MAX_PER_PAGE)
MAX_PER_PAGE = 100
MAX_PAGE = 1000


def search_page(request: Request) -> Response:
    params = Params(request)
    params.choice("format", ("html", "json"))
    text = params.text("q")
    site = params.choice("site", registry.names())
    since, until = params.days()
    number = params.whole("page", 1, 1, MAX_PAGE)
    size = params.whole("per_page", PER_PAGE, 1, MAX_PER_PAGE)
    form = {"q": text or "", "site": site, "since": since, "until": until, "page": number,
            "per_page": size}
    data: dict[str, Any] = {"title": f"search: {text}" if text else "search", "form": form,
                            "sites": registry.names(), "results": None}
    if text:
        results = search(request.app.state.settings, SearchQuery(
            text, site=site, since=since, until=until, limit=size, offset=(number - 1) * size))
        if results.total and not results.hits:
            raise BadParameter("page", f"page {number} is past the last result "
                                       f"({results.total} found, {size} a page)")
        data["results"] = results.to_dict()
        data["pages"] = _pages(request, results, number, size)
        data["facet_links"] = _facet_links(request, results)
    return page(request, "search.html", data)


def _pages(request: Request, results: SearchResults, number: int, size: int
           ) -> dict[str, Any]:
    last = max(1, min(MAX_PAGE, -(-results.total // size)))
    return {"page": number, "last": last, "first_shown": (number - 1) * size + 1,
            "last_shown": (number - 1) * size + len(results.hits),
            "previous": query(request, page=number - 1) if number > 1 else None,
            "next": query(request, page=number + 1) if results.has_more and number < last
            else None}


def _facet_links(request: Request, results: SearchResults) -> dict[str, dict[str, str]]:
    """Per facet and value, the address of the same search narrowed to it."""
    links: dict[str, dict[str, str]] = {"site": {}, "month": {}}
    for facet in results.facets.get("site", []):
        links["site"][facet.value] = query(request, site=facet.value, page=None)
    for facet in results.facets.get("month", []):
        first, last = _month(facet.value)
        if first is not None:
            links["month"][facet.value] = query(request, since=first, until=last, page=None)
    return links


def _month(value: str) -> tuple[dt.date | None, dt.date | None]:
    try:
        year, month = (int(part) for part in value.split("-"))
        days = calendar.monthrange(year, month)[1]
    except ValueError:
        return None, None
    return dt.date(year, month, 1), dt.date(year, month, days)
