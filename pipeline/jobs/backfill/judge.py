"""One archived record: read as the site answered it, then extracted or refused with a
reason (a redirect, a challenge or block page, another site's page, another article)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.core.records import Article, Fetched
from pipeline.discover.archives import ArchiveError, IndexRow, commoncrawl, wayback
from pipeline.extract import extract
from pipeline.fetch.client import Fetcher
from pipeline.jobs.recorder import STORED_STATUSES
from pipeline.page.decode import decode
from pipeline.page.parsed import Page
from pipeline.sources import registry
from pipeline.sources.base import Source

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_OWN_URL = re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"'>]+)|"""
                      rb"""<link[^>]+href=["']([^"'>]+)["'][^>]*rel=["']?canonical|"""
                      rb"""<meta[^>]+property=["']og:url["'][^>]*content=["']([^"'>]+)""", re.I)


@dataclass
class Verdict:
    article: Article | None
    error: str | None = None   # refused-<why>, or a transient reason
    detail: str = ""


async def read_record(fetcher: Fetcher, redirects: dict[str, Fetched], row: IndexRow,
                      purpose: str) -> Fetched:
    """The archived exchange of `row` as the site answered it, or a failure (with the
    original URL and `via`, never archived as a response).  `redirects`: the archive's
    redirect answers by URL, as the fetcher saw them."""
    client = wayback if row.archive == wayback.NAME else commoncrawl
    request = client.record_request(row)
    got = await fetcher.fetch(request)
    redirect = redirects.pop(request.url, None)
    if redirect is not None and got.error in ("too-many-redirects", "redirect-loop",
                                              "offsite-redirect"):
        # the archive redirects (Wayback: no capture at exactly this timestamp, or
        # the capture is itself a redirect): recorded as it came, and refused
        return Fetched(url=row.url, status=redirect.status, headers=redirect.headers,
                       body=redirect.body, purpose=purpose, via=row.via,
                       fetched_at=row.captured_at, attempts=redirect.attempts,
                       reason_phrase=redirect.reason_phrase,
                       http_version=redirect.http_version)
    if not got.ok:
        status = got.status  # gone or excluded from the archive: not asked again
        error = (f"refused-http-{status}" if status in (403, 404, 410, 451)
                 else got.error or "failed")
        return Fetched(url=row.url, error=error, purpose=purpose, via=row.via,
                       detail=f"{row.archive}: {got.detail or got.error}",
                       fetched_at=row.captured_at, attempts=got.attempts)
    try:
        original = client.original(row, got)
    except ArchiveError as exc:
        error = exc.reason if exc.reason == "truncated" else f"refused-{exc.reason}"
        return Fetched(url=row.url, error=error, detail=exc.detail, purpose=purpose,
                       via=row.via, fetched_at=row.captured_at, attempts=got.attempts)
    original.purpose = purpose
    return original


def answered(got: Fetched, row: IndexRow) -> Verdict | None:
    """The refusal of a record that is not a page (a failure, a redirect, an HTTP error),
    or None when it is one to extract."""
    if got.error:
        return Verdict(None, got.error, got.detail)
    if got.status in REDIRECTS:
        return Verdict(None, "refused-redirect", redirect_detail(row, got))
    if not got.ok:
        return Verdict(None, f"refused-http-{got.status}",
                       f"the archived answer of {row.url} is HTTP {got.status}")
    return None


def judge(source: Source, article_id: str, got: Fetched) -> Verdict:
    """Extract an archived page by its site's profile, or refuse it with a reason: a
    challenge or block page, another site's page or another article, no article."""
    article = extract(got.body, got.url, content_type=got.content_type)
    if article.status == "blocked":
        return Verdict(None, "refused-challenge",
                       f"{got.via}: {article.provenance.get('status', 'a block page')}")
    other = foreign(source, article_id, got, article)
    if other:
        return Verdict(None, "refused-other-site", f"{got.via}: {other}")
    if article.status not in STORED_STATUSES:
        return Verdict(None, f"refused-{article.status}",
                       f"{got.via}: {article.provenance.get('status', article.status)}")
    return Verdict(article)


def foreign(source: Source, article_id: str, got: Fetched, article: Article) -> str | None:
    """Why an archived page is not the article asked for (another site's page, a home
    page, another article), or None."""
    match = _OWN_URL.search(got.body[:300_000])
    own = next((g for g in match.groups() if g), b"").decode("latin-1").strip() if match \
        else ""
    if own and urlsplit(own).hostname:
        owner = registry.for_url(own)
        if owner is None or owner.name != source.name:
            return f"the page is another site's (it names itself {own})"
        ref = owner.identify(own)
        if ref is None or ref.article_id != article_id:
            return f"the page is not {article_id} (it names itself {own})"
    elif not own:
        text = decode(got.body[:200_000], got.content_type).text
        owner = registry.for_page(Page(url=None, html=text))
        if owner is not None and owner.name != source.name:
            return f"the page is {owner.name}'s, not {source.name}'s"
    if article.article_id and article.article_id != article_id:
        return f"the page is {article.article_id}, not {article_id}"
    return None


def redirect_detail(row: IndexRow, got: Fetched) -> str:
    return (f"{row.via} is a redirect ({got.status}) to {got.header('location') or '?'}, "
            "not the page")
