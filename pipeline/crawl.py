"""The crawl: discover, fetch, extract, store; one run per cron tick.

    report = crawl(settings, sites=["36kr"], max_articles=50)

1. Take the run lock (another crawl: LockHeld, exit 75) and open the warehouse.
2. Per site, at the same time: read each list back to known items (pipeline.discover),
   committing each list page's new items to the frontier as it goes.
3. Fetch the site's pending frontier items (left-overs of a killed run first), extract
   them off the event loop, and commit in batches of crawl.batch_size.
4. Record the run (runs, run_sites, run_counters) and return the report; its summary
   is the one line the CLI prints.

A site that keeps failing at the network level is left for the rest of the run after
crawl.site_failure_limit consecutive failures; the other site carries on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field

from .discover import ListOutcome, discover
from .extract import extract
from .fetch.client import Fetcher
from .lock import RunLock
from .records import Article, Fetched, Link, Request
from .settings import Settings, SiteSettings, as_dict
from .sources import registry
from .sources.base import Source
from .warehouse import Batch, Warehouse

log = logging.getLogger(__name__)

NETWORK_REASONS = frozenset({"connect", "timeout", "network", "robots-unreachable"})
SKIP_REASONS = frozenset({"robots", "not-allowed-host", "offsite-redirect", "bad-url"})
GONE_STATUS = frozenset({404, 410})


@dataclass
class SiteReport:
    site: str
    lists: list[ListOutcome] = field(default_factory=list)
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    pending: int = 0
    abandoned: str | None = None
    counters: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None

    @property
    def list_pages(self) -> int:
        return sum(o.pages for o in self.lists)

    @property
    def discovered(self) -> int:
        return sum(o.new for o in self.lists)

    @property
    def outcome(self) -> str:
        read_any = any(o.pages for o in self.lists)
        if not read_any and (self.abandoned or any(o.error for o in self.lists)) \
                and not self.fetched:
            return "failed"
        if self.abandoned or self.failed or any(o.error for o in self.lists):
            return "partial"
        return "ok"

    @property
    def error(self) -> str | None:
        return self.abandoned or self.first_error

    def note_error(self, detail: str) -> None:
        if self.first_error is None:
            self.first_error = detail

    def line(self) -> str:
        text = (f"{self.site} {self.outcome}: {self.new} new, {self.updated} updated, "
                f"{self.fetched} fetched, {self.failed} failed, {self.skipped} skipped, "
                f"{self.pending} pending")
        cut = [o.name for o in self.lists if o.cut]
        if cut:
            text += f"; depth bound cut {', '.join(cut)}"
        gaps = [o.name for o in self.lists if o.gap]
        if gaps:
            text += f"; possible gap in {', '.join(gaps)}"
        if self.error:
            text += f"; error: {self.error}"
        return text


@dataclass
class RunReport:
    run_id: int
    sites: list[SiteReport]
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if not self.interrupted and all(s.outcome == "ok" for s in self.sites) else 1

    @property
    def outcome(self) -> str:
        if self.interrupted:
            return "interrupted"
        outcomes = {s.outcome for s in self.sites}
        if outcomes <= {"ok"}:
            return "ok"
        return "failed" if outcomes == {"failed"} else "partial"

    @property
    def summary(self) -> str:
        parts = [s.line() for s in self.sites] or ["no site enabled"]
        return (f"newsvault crawl {self.outcome}: " + " | ".join(parts)
                + f" | {self.seconds:.1f} s, exit {self.exit_code}")


# ------------------------------------------------------------------------------- writer

class CrawlWriter:
    """The crawl's side of the warehouse: capture ids, batches, per-site counts."""

    def __init__(self, warehouse: Warehouse, run_id: int, settings: Settings,
                 reports: dict[str, SiteReport]) -> None:
        self.warehouse = warehouse
        self.run_id = run_id
        self.batch_size = settings.crawl.batch_size
        self.max_attempts = settings.crawl.max_attempts
        self.reports = reports
        self.batch = Batch()
        self._seq = 0
        self._sites: dict[str, str] = {}

    def capture(self, site: str, fetched: Fetched) -> int:
        self._seq += 1
        capture_id = self.run_id * 1_000_000 + self._seq
        self.batch.captures.append((capture_id, site, fetched))
        return capture_id

    # Ledger (discovery) ----------------------------------------------------------------
    def known(self, ids: list[str]) -> set[str]:
        return self.warehouse.known(ids)

    def list_seen(self, site: str, list_name: str) -> bool:
        return self.warehouse.list_seen(site, list_name)

    def record_list_page(self, site: str, fetched: Fetched, links: list[Link]) -> None:
        capture_id = self.capture(site, fetched)
        self.batch.links.extend(links)
        for link in links:
            if link.record is not None:
                self.article(link.record, capture_id, fetched)
        self.flush()  # list pages commit at once: discovered work is never lost

    # articles ----------------------------------------------------------------------------
    def article(self, article: Article, capture_id: int | None, fetched: Fetched) -> None:
        self.batch.articles.append((article, capture_id, fetched.fetched_at))
        if article.article_id and article.site:
            self._sites[article.article_id] = article.site

    def done(self, article_id: str, state: str, error: str | None) -> None:
        self.batch.done.append((article_id, state, error))
        if len(self.batch.done) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not len(self.batch):
            return
        batch, self.batch = self.batch, Batch()
        result = self.warehouse.write_batch(batch, self.run_id, self.max_attempts)
        for article_id, state in result.states.items():
            report = self.reports.get(self._sites.pop(article_id, ""))
            if report is not None:
                setattr(report, state, getattr(report, state) + 1)
                report.counters[f"article/{state}"] += 1


# -------------------------------------------------------------------------------- crawl

def crawl(settings: Settings, sites: list[str] | None = None,
          max_articles: int | None = None) -> RunReport:
    """Run one crawl; see the module docstring. Raises LockHeld, WarehouseError."""
    from .terms import crawl_hook

    names = _site_names(settings, sites)
    with RunLock(settings.lock_path()):
        warehouse = Warehouse.open(settings.warehouse)
        warehouse.after_store = crawl_hook(settings)  # index the terms of stored articles
        try:
            return _run(settings, warehouse, names, max_articles)
        finally:
            warehouse.close()


def _site_names(settings: Settings, sites: list[str] | None) -> list[str]:
    if sites:
        return list(dict.fromkeys(sites))
    return [name for name, site in settings.sites.items() if site.enabled]


def _run(settings: Settings, warehouse: Warehouse, names: list[str],
         max_articles: int | None) -> RunReport:
    run_id = warehouse.new_run_id()
    digest = hashlib.sha256(json.dumps(as_dict(settings), sort_keys=True,
                                       default=str).encode()).hexdigest()
    warehouse.start_run(run_id, names, socket.gethostname(), os.getpid(), digest)
    reports = {name: SiteReport(name) for name in names}
    report = RunReport(run_id, list(reports.values()))
    writer = CrawlWriter(warehouse, run_id, settings, reports)
    started = time.perf_counter()
    try:
        asyncio.run(_crawl_sites(settings, writer, reports, max_articles))
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        report.seconds = time.perf_counter() - started
        try:
            writer.flush()
        finally:
            _finish(warehouse, report)
    return report


def _finish(warehouse: Warehouse, report: RunReport) -> None:
    pending = warehouse.pending_counts()
    for site in report.sites:
        site.pending = pending.get(site.site, 0)
    rows = [{"site": s.site, "outcome": s.outcome, "error": s.error,
             "list_pages": s.list_pages, "discovered": s.discovered, "fetched": s.fetched,
             "new": s.new, "updated": s.updated, "unchanged": s.unchanged,
             "skipped": s.skipped, "failed": s.failed, "pending": s.pending,
             "depth_cut": [o.name for o in s.lists if o.cut]} for s in report.sites]
    counters = [(s.site, key, value) for s in report.sites
                for key, value in sorted(s.counters.items())]
    warehouse.finish_run(report.run_id, report.outcome, report.exit_code, report.summary,
                         rows, counters)


async def _crawl_sites(settings: Settings, writer: CrawlWriter,
                       reports: dict[str, SiteReport], max_articles: int | None) -> None:
    sources = {name: registry.get(name) for name in reports}

    def allowed(host: str) -> bool:
        return any(source.owns_host(host) for source in sources.values())

    def interval(host: str) -> float | None:
        source = registry.for_host(host)
        site = settings.sites.get(source.name) if source else None
        return site.min_interval if site and site.min_interval >= 0 else None

    def observe(fetched: Fetched) -> None:
        source = registry.for_url(fetched.url)
        report = reports.get(source.name) if source else None
        if report is None:
            return
        key = f"fetch/{fetched.purpose}/" + (
            f"status/{fetched.status}" if fetched.error is None else f"error/{fetched.error}")
        report.counters[key] += 1
        if fetched.error in NETWORK_REASONS:
            report.counters["_consecutive_network"] += 1
            limit = settings.crawl.site_failure_limit
            if report.counters["_consecutive_network"] >= limit and not report.abandoned:
                report.abandoned = (f"unreachable ({limit} network failures in a row; the "
                                    f"rest waits for the next run): "
                                    f"{fetched.detail or fetched.error}")
                log.warning("%s: %s", report.site, report.abandoned)
        elif fetched.status is not None:
            report.counters["_consecutive_network"] = 0
        if fetched.purpose == "robots":
            writer.capture(report.site, fetched)

    async with Fetcher(settings.fetch, allowed, intervals=interval,
                       observer=observe) as fetcher:
        await asyncio.gather(*(
            _crawl_site(sources[name], settings.sites[name], fetcher, writer, reports[name],
                        max_articles if max_articles is not None else settings.crawl.max_articles)
            for name in reports))
    for report in reports.values():
        report.counters.pop("_consecutive_network", None)


async def _crawl_site(source: Source, site: SiteSettings, fetcher: Fetcher,
                      writer: CrawlWriter, report: SiteReport, max_articles: int) -> None:
    for lst in site.lists:
        if report.abandoned:
            break
        outcome = await discover(source, lst, lst.max_pages or site.max_pages, fetcher, writer)
        report.lists.append(outcome)
        report.counters["list/pages"] += outcome.pages
        report.counters["list/new"] += outcome.new
        if outcome.error:
            report.counters[f"list/error/{outcome.error}"] += 1
            report.note_error(outcome.describe())
        for reason, count in outcome.skipped.items():
            report.counters[f"list/skip/{reason}"] += count
        log.info("%s %s", source.name, outcome.describe())
    if report.abandoned:
        return
    items = writer.warehouse.pending(source.name, max_articles or 1_000_000_000)
    workers = max(2, fetcher.settings.concurrency_per_host * 2)
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty() and not report.abandoned:
            item = queue.get_nowait()
            await _fetch_article(source, item, fetcher, writer, report)

    await asyncio.gather(*(worker() for _ in range(min(workers, len(items)) or 0)))
    log.info("%s", report.line())


async def _fetch_article(source: Source, item: dict, fetcher: Fetcher, writer: CrawlWriter,
                         report: SiteReport) -> None:
    article_id, url = item["article_id"], item["url"]
    fetched = await fetcher.fetch(Request(url, purpose="article"))
    capture_id = writer.capture(source.name, fetched)
    if not fetched.ok:
        if fetched.error in SKIP_REASONS:
            report.skipped += 1
            report.counters[f"skip/{fetched.error}"] += 1
            writer.done(article_id, "skipped", fetched.detail or fetched.error)
            return
        state = "failed" if fetched.status in GONE_STATUS else "retry"
        report.failed += 1
        report.counters[f"fail/{fetched.error}"] += 1
        report.note_error(fetched.detail or str(fetched.error))
        writer.done(article_id, state, fetched.detail or fetched.error)
        return
    report.fetched += 1
    try:
        article = await asyncio.to_thread(extract, fetched.body, url,
                                          content_type=fetched.content_type)
    except Exception as exc:  # an extractor bug must not stop the crawl
        log.exception("extracting %s failed", url)
        report.failed += 1
        report.counters["fail/extract-crash"] += 1
        writer.done(article_id, "retry", f"extractor crashed: {type(exc).__name__}: {exc}")
        return
    if article.status != "ok":
        state = "retry" if article.status == "blocked" else "skipped"
        if state == "retry":
            report.failed += 1
            report.note_error(f"{url}: {article.provenance.get('status', 'blocked')}")
        else:
            report.skipped += 1
        report.counters[f"{'fail' if state == 'retry' else 'skip'}/{article.status}"] += 1
        writer.done(article_id, state, article.provenance.get("status", article.status))
        return
    article.article_id, article.site, article.url = article_id, source.name, url
    article.kind = item.get("kind") or article.kind
    writer.article(article, capture_id, fetched)
    writer.done(article_id, "done", None)

