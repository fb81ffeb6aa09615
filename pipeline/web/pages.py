"""The pages: home, article, capture (and its frame), trend; search is in search.py.

Each handler checks its parameters (params.Params: a 400 names the bad one), reads the
warehouse in a short window (pipeline.store.browse, or the library functions of
`status` and `trend`), builds one dict and renders it (render.page: the page, or the
dict as JSON with `?format=json`).  Handlers are plain functions: Starlette runs them in
its thread pool, away from the event loop, while DuckDB works.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.analyze.query import status
from pipeline.core.errors import ArchiveDamaged, UsageError
from pipeline.store.browse import reading
from pipeline.web import diff, search, trend
from pipeline.web.capture import archived, rows
from pipeline.web.params import Params
from pipeline.web.render import error, page

# An archived page in the frame: its own inline styles and data: images, nothing else
# (no script, no request leaving the machine); `sandbox` as in the iframe's attribute.
CAPTURE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "font-src data:; form-action 'none'; base-uri 'none'; "
               "frame-ancestors 'self'; sandbox")


def routes() -> list[Route]:
    return [Route("/", home), Route("/search", search.search_page),
            Route("/a/{article_id:path}", article_page),
            Route("/capture/{capture_id:int}", capture_page),
            Route("/capture/{capture_id:int}/frame", capture_frame),
            Route("/trend", trend.trend_page)]


def home(request: Request) -> Response:
    """Latest articles per site, coverage and extraction health, the last runs."""
    settings = request.app.state.settings
    per_site = Params(request).whole("per_site", 10, 1, 100)
    report = status(settings, runs=10)
    with reading(settings) as browse:
        latest = browse.latest(per_site)
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in latest:
        by_site[row["site"]].append(row)
    return page(request, "home.html", {
        "title": "newsvault", "latest": dict(by_site), "sites": report.sites,
        "health": report.health, "coverage": _coverage(report.coverage),
        "runs": report.runs})


def _coverage(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last 7 days' coverage summed per site (the days are in the JSON twin too)."""
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = sums.setdefault(row["site"], {"site": row["site"], "days": []})
        total["days"].append(row)
        for key, value in row.items():
            if isinstance(value, int) and key not in ("site",):
                total[key] = total.get(key, 0) + value
    return list(sums.values())


def article_page(request: Request) -> Response:
    article_id = request.path_params["article_id"]
    Params(request).choice("format", ("html", "json"))
    with reading(request.app.state.settings) as browse:
        article = browse.article(article_id)
        versions = browse.versions(article_id) if article else []
    if article is None:
        raise HTTPException(404, f"no article {article_id!r} in the warehouse (ids look like "
                                 "36kr:<itemId> or 163:<docid>)")
    fields = [{"field": name, "value": article.get(name),
               "rule": article["provenance"].get(name)}
              for name in ("title", "published_at", "author", "source", "original_source",
                           "original_author", "summary", "tags", "body")]
    return page(request, "article.html", {
        "title": article["title"] or article_id, "article": article, "fields": fields,
        "versions": versions, "changes": diff.changes(versions, article)})


def capture_page(request: Request) -> Response:
    """The capture's row, its WARC and HTTP headers, and the page in a sandboxed frame."""
    capture_id = request.path_params["capture_id"]
    Params(request).choice("format", ("html", "json"))
    with reading(request.app.state.settings) as browse:
        found = rows(browse, capture_id)
        articles = browse.capture_articles(capture_id) if found else []
    if found is None:
        raise HTTPException(404, f"no capture {capture_id} in the warehouse")
    row = found[0]
    shown = _archived(request, found)
    if isinstance(shown, Response):
        return shown
    data = {"title": f"capture {capture_id}", "capture": row, "articles": articles,
            "record": None}
    if shown is not None:
        data["record"] = {k: v for k, v in vars(shown).items() if k != "text"}
        data["record"]["html"] = shown.html
        data["record"]["frame"] = f"/capture/{capture_id}/frame" if shown.text else None
    return page(request, "capture.html", data)


def capture_frame(request: Request) -> Response:
    """The archived payload itself, decoded, for the sandboxed frame (CAPTURE_CSP)."""
    capture_id = request.path_params["capture_id"]
    with reading(request.app.state.settings) as browse:
        found = rows(browse, capture_id)
    if found is None:
        raise HTTPException(404, f"no capture {capture_id} in the warehouse")
    shown = _archived(request, found)
    if isinstance(shown, Response):
        return shown
    if shown is None or shown.text is None:
        raise HTTPException(404, f"capture {capture_id} archived no payload")
    kind = "text/html" if shown.html else "text/plain"
    return Response(shown.text, 200, media_type=f"{kind}; charset=utf-8",
                    headers={"Content-Security-Policy": CAPTURE_CSP,
                             "Cache-Control": "no-store"})


def _archived(request: Request, found: tuple[dict[str, Any], dict[str, Any] | None]) -> Any:
    try:
        return archived(request.app.state.settings, *found)
    except (UsageError, ArchiveDamaged) as exc:
        return error(request, 500, "the archive record cannot be read", str(exc))
