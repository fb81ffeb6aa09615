"""The archives as the backfill reads them: the fetcher allowed only their hosts, Common
Crawl's crawls, index rows sorted into article and list pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pipeline.config.settings import Settings
from pipeline.core.records import Fetched
from pipeline.discover.archives import ArchiveError, IndexRow, commoncrawl, patterns, wayback
from pipeline.fetch.client import Fetcher
from pipeline.fetch.polite import Pacer
from pipeline.jobs.backfill.plan import Plan, window
from pipeline.sources.base import Source
from pipeline.store.records import Found


def archive_fetcher(settings: Settings, on_exchange: Callable[[Fetched], None] | None = None,
                    pacer: Pacer | None = None) -> Fetcher:
    """The project's fetcher, allowed the archive hosts only, each at its own pace (with
    a `pacer`, team mode's: the pace of all nodes together).  Redirects are not
    followed: an archive redirecting a record is refused."""
    bf = settings.backfill
    pace = {wayback.HOST: bf.wayback_interval, commoncrawl.INDEX_HOST: bf.commoncrawl_interval,
            commoncrawl.DATA_HOST: bf.commoncrawl_data_interval}
    fetch = dataclasses.replace(settings.fetch, concurrency_per_host=bf.concurrency,
                                max_redirects=0)
    return Fetcher(fetch, lambda host: host.lower() in pace,
                   intervals=lambda host: pace.get(host.lower()), on_exchange=on_exchange,
                   pacer=pacer)


async def crawls(fetcher: Fetcher, plan: Plan, max_crawls: int,
                 record: Callable[[Fetched], None] | None = None) -> list[commoncrawl.Crawl]:
    """Common Crawl's crawls overlapping the plan's dates (at most `max_crawls`; 0: all)."""
    got = await fetcher.fetch(commoncrawl.collinfo_request())
    if record is not None:
        record(got)
    if not got.ok:
        raise ArchiveError(got.error or "failed", f"Common Crawl's list of crawls: "
                           f"{got.detail or got.error}")
    since, until = window(plan)
    found = [c for c in commoncrawl.parse_collinfo(got.body) if c.overlaps(since, until)]
    return found[:max_crawls] if max_crawls else found


def classify(found: list[IndexRow], source: Source) -> tuple[list[Found], int]:
    """The rows that are the site's article or list pages (answered 200), and how many
    were not."""
    kept, skipped = [], 0
    for row in found:
        what = patterns.classify(source, row.url)
        if what is None or (row.status is not None and row.status != 200):
            skipped += 1
            continue
        kept.append(Found(source.name, what[0], what[1], row))
    return kept, skipped


def mine(rows: list[IndexRow], source: Source, article_id: str) -> list[Found]:
    found, _ = classify(rows, source)
    return [f for f in found if f.article_id == article_id]


def index_row(item: dict[str, Any]) -> IndexRow:
    return IndexRow(item["archive"], item["url"], item["captured_at"], item["via"],
                    filename=item.get("filename"), offset=item.get("offset"),
                    length=item.get("length"))


def bare(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host.removeprefix('www.')}{parts.path}"
