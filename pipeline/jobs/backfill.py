"""`backfill`: history from public web archives, with the crawl's extraction and provenance.

    report = backfill(settings, since=dt.datetime(2026, 1, 1, tzinfo=BEIJING))

1. Index: ask each archive's URL index for the sites' article and list URL patterns
   (archives/patterns.py) captured between `since` and `until`, page by page; each
   page's rows and the query's paging position commit together (backfill_index,
   backfill_cursor), so a killed run pages on from where it stopped.
2. Lists: read archived list pages (feeds, newsflash and information lists, JSONP and
   rolling lists) with the sites' own list readers; newsflashes they carry whole are
   stored at once, other ids join backfill_ids.
3. Look-ups: ids the lists named that the indexes did not list are looked up one by
   one (Wayback, exact URL) and (Common Crawl) in the crawls after their publication.
4. Articles: per article id, the capture nearest after its publication (else the
   earliest) is read: Wayback `id_` bytes or a Common Crawl record by byte range.  A
   redirect, a challenge page or another site's page is refused with a reason and the
   next capture is tried; a page is extracted by the same profiles as the crawl's and
   stored with its capture: `captures.purpose = 'backfill'`, the original URL as WARC
   target, the archive's capture time as WARC-Date, the archive URL in `captures.via`.

Every request goes through the project's fetcher (per-host spacing: Wayback about one
a second by default, back-off on 429 and Retry-After, retries, --connect-to), and the
archive hosts are the only hosts it may fetch.  What was read is known from
`captures.via`, committed with what it produced: a second run reads nothing twice, and
ids stored already are skipped (`refresh=True` reads them again).  `refused=True` looks
up only what the sites refused (feed-only articles, blocked pages): an archived page
becomes a new version of the article.  `dry_run=True` only counts the captures each
archive holds per site and month; nothing is written.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipeline.config.settings import ARCHIVES, Settings
from pipeline.core import faults
from pipeline.core.errors import PipelineError, SourceError, UsageError
from pipeline.core.records import Article, Fetched, Link
from pipeline.discover.archives import ArchiveError, IndexRow, commoncrawl, patterns, wayback
from pipeline.discover.links import links as list_links
from pipeline.discover.lists import ListOutcome
from pipeline.extract import extract
from pipeline.fetch.client import Fetcher
from pipeline.jobs.recorder import STORED_STATUSES, Recorder, _extractor_thread
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.jobs.runs import begin
from pipeline.page.decode import decode
from pipeline.page.parsed import Page
from pipeline.sources import registry
from pipeline.sources.base import Source
from pipeline.store.backfill import BackfillStore, Found

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_OWN_URL = re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*href=["']([^"'>]+)|"""
                      rb"""<link[^>]+href=["']([^"'>]+)["'][^>]*rel=["']?canonical|"""
                      rb"""<meta[^>]+property=["']og:url["'][^>]*content=["']([^"'>]+)""", re.I)


@dataclass
class MonthCount:
    archive: str
    site: str
    month: str
    captures: int = 0
    articles: int = 0
    lists: int = 0
    ids: set[str] = field(default_factory=set)


@dataclass
class DryRun:
    """What the archives hold per archive, site and month (`backfill --dry-run`)."""

    months: list[MonthCount] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return ["archive", "site", "month", "captures", "article_pages", "distinct_ids",
                "list_pages"]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [(m.archive, m.site, m.month, m.captures, m.articles, len(m.ids), m.lists)
                for m in sorted(self.months, key=lambda m: (m.archive, m.site, m.month))]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


@dataclass(frozen=True)
class Plan:
    sites: list[str]
    archives: list[str]
    since: dt.datetime | None
    until: dt.datetime | None
    limit: int | None
    refresh: bool
    refused: bool


def backfill(settings: Settings, since: dt.datetime | None = None,
             until: dt.datetime | None = None, sites: list[str] | None = None,
             archives: list[str] | None = None, limit: int | None = None,
             dry_run: bool = False, refresh: bool = False, refused: bool = False,
             progress: Progress | None = None) -> RunReport | DryRun:
    """See the module docstring. `until` is exclusive. Raises UsageError, LockHeld,
    WarehouseError."""
    plan = _plan(settings, since, until, sites, archives, limit, refresh, refused)
    if dry_run:
        return asyncio.run(_dry_run(settings, plan))
    with begin(settings, "backfill", plan.sites, archive=True) as (warehouse, recorder, report):
        recorder.reason = "backfill"
        recorder.batch_size = 2 * settings.backfill.batch_size  # an article and its 'done'
        run = _Run(settings, plan, recorder, BackfillStore(warehouse),
                   {s.site: s for s in report.sites}, progress)
        asyncio.run(run.main())
    return report


def after_crawl(settings: Settings, crawled: RunReport) -> RunReport | None:
    """The crawl's hook: with `backfill.on_refusal` set and pages refused in the crawl,
    look what the sites refused up in the archives (as `backfill --refused`).  A
    failure here is logged; it never changes the crawl's outcome."""
    if not settings.backfill.on_refusal:
        return None
    refused = [s.site for s in crawled.sites
               if any(k.startswith(("block/", "fail/blocked")) for k in s.counters)]
    if not refused:
        return None
    try:
        report = backfill(settings, sites=refused, refused=True)
    except PipelineError as exc:
        log.warning("backfill of refused pages not done: %s", exc)
        return None
    assert isinstance(report, RunReport)
    log.info("%s", report.summary)
    return report


def _plan(settings: Settings, since: dt.datetime | None, until: dt.datetime | None,
          sites: list[str] | None, archives: list[str] | None, limit: int | None,
          refresh: bool, refused: bool) -> Plan:
    if since is None and not refused:
        raise UsageError("backfill needs --since DATE (the first day of captures to read), "
                         "e.g. --since 2026-01-01")
    if since is not None and until is not None and until <= since:
        raise UsageError(f"--until {until:%Y-%m-%d} is not after --since {since:%Y-%m-%d}")
    names = list(dict.fromkeys(sites or [n for n, s in settings.sites.items() if s.enabled]))
    for name in names:
        if name not in registry.names():
            raise UsageError(f"--site {name!r} is not a site; known: "
                             f"{', '.join(registry.names())}")
    chosen = list(dict.fromkeys(archives or settings.backfill.archives))
    for name in chosen:
        if name not in ARCHIVES:
            raise UsageError(f"--from {name!r} is not an archive; known: {', '.join(ARCHIVES)}")
    if not chosen:
        raise UsageError("--from names no archive; known: " + ", ".join(ARCHIVES))
    return Plan(names, chosen, since, until, limit, refresh, refused)


# ----------------------------------------------------------------------- the fetcher

def _fetcher(settings: Settings, on_exchange: Callable[[Fetched], None] | None = None
             ) -> Fetcher:
    """The project's fetcher, allowed the archive hosts only, each at its own pace.
    Redirects are not followed: an archive redirecting a record is refused."""
    bf = settings.backfill
    pace = {wayback.HOST: bf.wayback_interval, commoncrawl.INDEX_HOST: bf.commoncrawl_interval,
            commoncrawl.DATA_HOST: bf.commoncrawl_data_interval}
    fetch = dataclasses.replace(settings.fetch, concurrency_per_host=bf.concurrency,
                                max_redirects=0)
    return Fetcher(fetch, lambda host: host.lower() in pace,
                   intervals=lambda host: pace.get(host.lower()), on_exchange=on_exchange)


def _window(plan: Plan) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The index queries' from/to (inclusive): `until` is exclusive, a second less."""
    until = plan.until - dt.timedelta(seconds=1) if plan.until is not None else None
    return plan.since, until


async def _crawls(fetcher: Fetcher, plan: Plan, max_crawls: int,
                  record: Callable[[Fetched], None] | None = None
                  ) -> list[commoncrawl.Crawl]:
    got = await fetcher.fetch(commoncrawl.collinfo_request())
    if record is not None:
        record(got)
    if not got.ok:
        raise ArchiveError(got.error or "failed", f"Common Crawl's list of crawls: "
                           f"{got.detail or got.error}")
    since, until = _window(plan)
    crawls = [c for c in commoncrawl.parse_collinfo(got.body) if c.overlaps(since, until)]
    return crawls[:max_crawls] if max_crawls else crawls


def _classify(found: list[IndexRow], source: Source) -> tuple[list[Found], int]:
    kept, skipped = [], 0
    for row in found:
        what = patterns.classify(source, row.url)
        if what is None or (row.status is not None and row.status != 200):
            skipped += 1
            continue
        kept.append(Found(source.name, what[0], what[1], row))
    return kept, skipped


# ------------------------------------------------------------------------ the dry run

async def _dry_run(settings: Settings, plan: Plan) -> DryRun:
    result = DryRun()
    counts: dict[tuple[str, str, str], MonthCount] = {}

    def count(found: list[Found]) -> None:
        for f in found:
            month = f.row.captured_at.strftime("%Y-%m")
            key = (f.row.archive, f.site, month)
            entry = counts.get(key) or counts.setdefault(key, MonthCount(*key))
            entry.captures += 1
            if f.kind == "list":
                entry.lists += 1
            else:
                entry.articles += 1
                entry.ids.add(f.article_id or "")

    async with _fetcher(settings) as fetcher:
        index = _Index(settings, plan, fetcher)
        for site in plan.sites:
            for outcome in await index.site(registry.get(site), count):
                if outcome.error:
                    result.problems.append(f"{site} {outcome.describe()}")
    result.months = list(counts.values())
    return result


class _Index:
    """Pages through the archives' URL indexes for a site's patterns."""

    def __init__(self, settings: Settings, plan: Plan, fetcher: Fetcher,
                 store: BackfillStore | None = None, run_id: int = 0,
                 record: Callable[[str, Fetched], None] | None = None,
                 stop: Callable[[str], bool] = lambda site: False) -> None:
        self.settings, self.plan, self.fetcher = settings, plan, fetcher
        self.store, self.run_id = store, run_id
        self.record = record or (lambda site, got: None)
        self.stop = stop
        self._crawls: list[commoncrawl.Crawl] | None = None

    async def site(self, source: Source, sink: Callable[[list[Found]], None] | None = None
                   ) -> list[ListOutcome]:
        outcomes = []
        for archive in self.plan.archives:
            for pattern in patterns.patterns(source):
                if self.stop(source.name):
                    return outcomes
                if archive == wayback.NAME:
                    outcomes.append(await self._wayback(source, pattern, sink))
                else:
                    outcomes.extend(await self._commoncrawl(source, pattern, sink))
        return outcomes

    async def _wayback(self, source: Source, pattern: str,
                       sink: Callable[[list[Found]], None] | None) -> ListOutcome:
        since, until = _window(self.plan)
        key = "|".join(["wayback", pattern, _stamp(since), _stamp(until)])
        outcome = ListOutcome(source.name, f"wayback {pattern}")
        cursor = self.store.cursor(key) if self.store and sink is None else None
        if cursor is not None and cursor.done:
            return outcome
        resume = cursor.position if cursor else None
        while not self.stop(source.name):
            got = await self.fetcher.fetch(wayback.cdx_request(
                pattern, since, until, limit=self.settings.backfill.cdx_limit,
                resume_key=resume))
            self.record(source.name, got)
            if not got.ok:
                outcome.error, outcome.detail = got.error or "failed", got.detail
                break
            try:
                page = wayback.parse_cdx(got.body, got.url)
            except ArchiveError as exc:
                outcome.error, outcome.detail = exc.reason, exc.detail
                break
            found, skipped = _classify(page.rows, source)
            self._tally(outcome, found, skipped)
            if sink is not None:
                sink(found)
            elif self.store is not None:
                outcome.new += self.store.save_page(key, found, page.next, None,
                                                    page.next is None, self.run_id)
            if page.next is None or page.next == resume:
                break
            resume = page.next
        return outcome

    async def _commoncrawl(self, source: Source, pattern: str,
                           sink: Callable[[list[Found]], None] | None) -> list[ListOutcome]:
        since, until = _window(self.plan)
        if self._crawls is None:
            try:
                self._crawls = await _crawls(self.fetcher, self.plan,
                                             self.settings.backfill.max_crawls,
                                             lambda got: self.record(source.name, got))
            except ArchiveError as exc:
                self._crawls = []
                failed = ListOutcome(source.name, "commoncrawl collinfo.json")
                failed.error, failed.detail = exc.reason, exc.detail
                return [failed]
        outcomes = []
        for crawl in self._crawls:
            if self.stop(source.name):
                break
            key = "|".join(["commoncrawl", crawl.id, pattern, _stamp(since), _stamp(until)])
            outcome = ListOutcome(source.name, f"commoncrawl {crawl.id} {pattern}")
            outcomes.append(outcome)
            cursor = self.store.cursor(key) if self.store and sink is None else None
            if cursor is not None and cursor.done:
                continue
            pages = cursor.pages if cursor else None
            if pages is None:
                got = await self.fetcher.fetch(commoncrawl.num_pages_request(
                    crawl, pattern, since, until))
                self.record(source.name, got)
                if not got.ok and got.status != 404:
                    outcome.error, outcome.detail = got.error or "failed", got.detail
                    continue
                try:
                    pages = commoncrawl.parse_num_pages(got)
                except ArchiveError as exc:
                    outcome.error, outcome.detail = exc.reason, exc.detail
                    continue
                if self.store is not None and sink is None:
                    self.store.save_page(key, [], "0", pages, pages == 0, self.run_id)
            number = int(cursor.position or 0) if cursor else 0
            while number < pages and not self.stop(source.name):
                got = await self.fetcher.fetch(commoncrawl.page_request(
                    crawl, pattern, since, until, number))
                self.record(source.name, got)
                if not got.ok and got.status != 404:
                    outcome.error, outcome.detail = got.error or "failed", got.detail
                    break
                try:
                    rows = commoncrawl.parse_page(got)
                except ArchiveError as exc:
                    outcome.error, outcome.detail = exc.reason, exc.detail
                    break
                found, skipped = _classify(rows, source)
                self._tally(outcome, found, skipped)
                number += 1
                if sink is not None:
                    sink(found)
                elif self.store is not None:
                    outcome.new += self.store.save_page(key, found, str(number), pages,
                                                        number >= pages, self.run_id)
        return outcomes

    @staticmethod
    def _tally(outcome: ListOutcome, found: list[Found], skipped: int) -> None:
        outcome.pages += 1
        outcome.items += len(found)
        if skipped:
            outcome.skipped["not-article-or-list"] = (
                outcome.skipped.get("not-article-or-list", 0) + skipped)


def _stamp(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S") if when else ""


# ----------------------------------------------------------------------------- a run

@dataclass
class _Verdict:
    article: Article | None
    error: str | None = None   # refused-<why>, or a transient reason
    detail: str = ""


class _Run:
    def __init__(self, settings: Settings, plan: Plan, recorder: Recorder,
                 store: BackfillStore, reports: dict[str, SiteReport],
                 progress: Progress | None) -> None:
        self.settings, self.plan, self.recorder, self.store = settings, plan, recorder, store
        self.reports = reports
        self.progress = progress
        self.read = 0            # records read this run (for --limit)
        self.done = 0
        self.total = 0
        self._redirects: dict[str, Fetched] = {}
        self._all_crawls: list[commoncrawl.Crawl] | None = None
        self.fetcher = _fetcher(settings, self._exchange)

    # the phases ---------------------------------------------------------------------
    async def main(self) -> None:
        async with self.fetcher:
            if not self.plan.refused:
                index = _Index(self.settings, self.plan, self.fetcher, self.store,
                               self.recorder.run_id, self._record_index, self._stopped)
                for site in self.plan.sites:
                    report = self.reports[site]
                    for outcome in await index.site(registry.get(site)):
                        self._index_outcome(report, outcome)
                await self._lists()
            else:
                self._add_refused()
            await self._lookups()
            await self._articles()
        self.recorder.flush()

    def _index_outcome(self, report: SiteReport, outcome: ListOutcome) -> None:
        report.lists.append(outcome)
        report.counters["backfill/index/pages"] += outcome.pages
        report.counters["backfill/index/rows"] += outcome.items
        report.counters["backfill/index/new"] += outcome.new
        if outcome.error:
            report.counters[f"backfill/index/error/{outcome.error}"] += 1
            report.note_error(outcome.describe())
            log.warning("%s %s", report.site, outcome.describe())

    def _stopped(self, site: str) -> bool:
        report = self.reports.get(site)
        return bool(report and report.abandoned) or self._limited()

    def _limited(self) -> bool:
        return self.plan.limit is not None and self.read >= self.plan.limit

    # lists ----------------------------------------------------------------------------
    async def _lists(self) -> None:
        attempts = self.settings.crawl.max_attempts
        for chunk in self.store.lists(self.plan.sites, self.plan.archives, attempts):
            for item in chunk:
                if self._stopped(item["site"]):
                    continue
                await self._list(item)
            self.recorder.flush()
            if self._limited():
                return

    async def _list(self, item: dict[str, Any]) -> None:
        source, report = registry.get(item["site"]), self.reports[item["site"]]
        row = _row(item)
        got = await self._read(row, "backfill-list")
        if got.error is None and got.status in REDIRECTS:
            got.error, got.detail = "refused-redirect", _redirect_detail(row, got)
        elif got.error is None and not got.ok:
            got.error = f"refused-http-{got.status}"
        capture_id = self._capture(item["site"], got)
        report.counters[f"backfill/{row.archive}/list/{got.error or 'read'}"] += 1
        if got.error:
            return
        try:
            found = list_links(got.body, row.url)
        except (SourceError, UsageError):
            found = []
        found = [ln for ln in found if ln.site == source.name]
        report.counters["backfill/list/ids"] += len(found)
        whole = [ln for ln in found if ln.record is not None]
        stored = self.store.stored([ln.article_id for ln in whole])
        for link in whole:
            if link.article_id in stored and not self.plan.refresh:
                continue
            record = link.record
            assert record is not None
            self.recorder.article(record, capture_id, got)
            report.counters[f"backfill/{row.archive}/stored-from-list"] += 1
        # the ids first: once the list's capture is committed it is not read again
        self.store.add_ids([ln for ln in found if ln.record is None],
                           {ln.article_id: _time(ln.published_at) for ln in found})
        self.recorder.flush()

    # look-ups -------------------------------------------------------------------------
    def _add_refused(self) -> None:
        links, published = [], {}
        for article_id, site, kind, url, title, when in self.store.refused(self.plan.sites):
            links.append(Link(url=url, article_id=article_id, site=site, kind=kind,
                              title=title))
            published[article_id] = when
        self.store.add_ids(links, published)
        for site in self.plan.sites:
            self.reports[site].counters["backfill/refused/ids"] += sum(
                1 for ln in links if ln.site == site)

    async def _lookups(self) -> None:
        for chunk in self.store.lookups(self.plan.sites, self.plan.refresh or self.plan.refused):
            done = []
            for item in chunk:
                if self._stopped(item["site"]):
                    continue
                if await self._lookup(item):
                    done.append(item["article_id"])
            self.recorder.flush()
            self.store.looked_up(done)

    async def _lookup(self, item: dict[str, Any]) -> bool:
        """Ask the indexes for one id's URL; False when an index could not answer."""
        source, report = registry.get(item["site"]), self.reports[item["site"]]
        ref = source.identify(item["url"])
        urls = {_bare(ref.canonical_url if ref else item["url"]), _bare(item["url"])}
        published = item["published_at"]
        since = published.astimezone(dt.UTC) - dt.timedelta(days=1) if published else None
        complete = True
        for url in sorted(urls):
            pattern = url + "*"  # query variants (?f=rss), .html forms
            found: list[Found] = []
            if wayback.NAME in self.plan.archives:
                got = await self.fetcher.fetch(wayback.cdx_request(
                    pattern, since, None, limit=20, collapse="digest"))
                self._record_index(item["site"], got)
                try:
                    if not got.ok:
                        raise ArchiveError(got.error or "failed", got.detail)
                    found += _mine(wayback.parse_cdx(got.body, got.url).rows, source,
                                   item["article_id"])
                except ArchiveError as exc:
                    complete = False
                    report.counters[f"backfill/lookup/error/{exc.reason}"] += 1
            if commoncrawl.NAME in self.plan.archives:
                crawls = await self._crawls_after(published)
                for crawl in crawls:
                    got = await self.fetcher.fetch(commoncrawl.page_request(
                        crawl, pattern, None, None, 0))
                    self._record_index(item["site"], got)
                    try:
                        if not got.ok and got.status != 404:
                            raise ArchiveError(got.error or "failed", got.detail)
                        found += _mine(commoncrawl.parse_page(got), source, item["article_id"])
                    except ArchiveError as exc:
                        complete = False
                        report.counters[f"backfill/lookup/error/{exc.reason}"] += 1
            key = f"lookup|{item['article_id']}|{url}"
            self.store.save_page(key, found, None, None, True, self.recorder.run_id)
            report.counters["backfill/lookup/found"] += len(found)
        report.counters["backfill/lookup/ids"] += 1
        return complete

    async def _crawls_after(self, published: dt.datetime | None) -> list[commoncrawl.Crawl]:
        """The crawls most likely to hold a page first published at `published`: the one
        running then and the next; without a time, the newest."""
        if self._all_crawls is None:
            everything = dataclasses.replace(self.plan, since=None, until=None)
            try:
                self._all_crawls = await _crawls(self.fetcher, everything, 0)
            except ArchiveError as exc:
                log.warning("%s", exc.detail)
                self._all_crawls = []
        crawls = self._all_crawls
        if published is None:
            return crawls[:1]
        after = [c for c in crawls if c.end is None or c.end >= published]
        return after[-2:]  # newest first: the last two are the earliest after publication

    # articles -------------------------------------------------------------------------
    async def _articles(self) -> None:
        flags = dict(refresh=self.plan.refresh, refused=self.plan.refused)
        self.total = self.store.count_articles(self.plan.sites, self.plan.archives, **flags)
        if self.plan.limit is not None:
            self.total = min(self.total, max(0, self.plan.limit - self.read))
        self._tick()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=400)
        workers = max(2, self.settings.backfill.concurrency * 4)

        async def work() -> None:
            while (item := await queue.get()) is not None:
                if not self._stopped(item["site"]):
                    await self._article(item)

        tasks = [asyncio.create_task(work()) for _ in range(workers)]
        try:
            for chunk in self.store.articles(self.plan.sites, self.plan.archives,
                                             candidates=self.settings.backfill.candidates,
                                             max_attempts=self.settings.crawl.max_attempts,
                                             **flags):
                for item in chunk:
                    await queue.put(item)
                if self._limited() or all(r.abandoned for r in self.reports.values()):
                    break
        finally:
            for _ in tasks:
                await queue.put(None)
            await asyncio.gather(*tasks)

    async def _article(self, item: dict[str, Any]) -> None:
        source, report = registry.get(item["site"]), self.reports[item["site"]]
        failures: list[str] = []
        refusals: list[str] = []
        for capture in item["captures"]:
            if self._limited():
                return
            row = _row({**capture, "site": item["site"]})
            got = await self._read(row, "backfill")
            verdict = await self._judge(source, item["article_id"], got, row)
            if verdict.error:
                got.error, got.detail = verdict.error, verdict.detail
            self._capture(item["site"], got)
            report.counters[f"backfill/{row.archive}/{verdict.error or 'stored'}"] += 1
            if got.status is not None:
                report.fetched += 1
            if verdict.article is not None:
                article = verdict.article
                article.article_id, article.site, article.url = (item["article_id"],
                                                                 source.name, row.url)
                article.kind = item["kind"] or article.kind
                report.observe(False)
                self.recorder.extracted_page(source.name, article)
                self.recorder.article(article, got.capture_id, got)
                self.recorder.done(item["article_id"], "done", None)
                break
            if verdict.error and verdict.error.startswith("refused-"):
                refusals.append(verdict.error)
                report.observe(False)
            else:
                failures.append(f"{row.via}: {verdict.detail or verdict.error}")
                report.observe(True, failures[-1])
        else:
            if failures:
                report.failed += 1
                report.note_error(failures[-1])
            elif refusals:
                report.skipped += 1
        self.done += 1
        self._tick()
        if len(self.recorder.batch.captures) >= self.recorder.batch_size:
            self.recorder.flush()

    # reading one record ---------------------------------------------------------------
    async def _read(self, row: IndexRow, purpose: str) -> Fetched:
        """The archived exchange of `row` as the site answered it, or a failure (with
        the original URL and `via`, never archived as a response)."""
        self.read += 1
        client = wayback if row.archive == wayback.NAME else commoncrawl
        request = client.record_request(row)
        got = await self.fetcher.fetch(request)
        redirect = self._redirects.pop(request.url, None)
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

    async def _judge(self, source: Source, article_id: str, got: Fetched,
                     row: IndexRow) -> _Verdict:
        if got.error:
            return _Verdict(None, got.error, got.detail)
        if got.status in REDIRECTS:
            return _Verdict(None, "refused-redirect", _redirect_detail(row, got))
        if not got.ok:
            return _Verdict(None, f"refused-http-{got.status}",
                            f"the archived answer of {row.url} is HTTP {got.status}")
        faults.checkpoint("extract")
        return await asyncio.get_running_loop().run_in_executor(
            _extractor_thread(), functools.partial(judge, source, article_id, got))

    # recording ------------------------------------------------------------------------
    def _exchange(self, got: Fetched) -> None:
        if got.status in REDIRECTS:
            self._redirects[got.url] = got

    def _record_index(self, site: str, got: Fetched) -> None:
        self._redirects.pop(got.url, None)
        self._capture(site, got)

    def _capture(self, site: str, got: Fetched) -> int:
        capture_id = self.recorder.capture(site, got)
        archive = self.recorder.archive
        if archive is not None:  # no revisit bookkeeping per archived URL: flat memory
            archive.seen.pop(got.final_url or got.url, None)
        return capture_id

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


# ------------------------------------------------------------------------- judging

def judge(source: Source, article_id: str, got: Fetched) -> _Verdict:
    """Extract an archived page by its site's profile, or refuse it with a reason: a
    challenge or block page, another site's page or another article, no article."""
    article = extract(got.body, got.url, content_type=got.content_type)
    if article.status == "blocked":
        return _Verdict(None, "refused-challenge",
                        f"{got.via}: {article.provenance.get('status', 'a block page')}")
    other = foreign(source, article_id, got, article)
    if other:
        return _Verdict(None, "refused-other-site", f"{got.via}: {other}")
    if article.status not in STORED_STATUSES:
        return _Verdict(None, f"refused-{article.status}",
                        f"{got.via}: {article.provenance.get('status', article.status)}")
    return _Verdict(article)


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


# ------------------------------------------------------------------------- helpers

def _row(item: dict[str, Any]) -> IndexRow:
    return IndexRow(item["archive"], item["url"], item["captured_at"], item["via"],
                    filename=item.get("filename"), offset=item.get("offset"),
                    length=item.get("length"))


def _mine(rows: list[IndexRow], source: Source, article_id: str) -> list[Found]:
    found, _ = _classify(rows, source)
    return [f for f in found if f.article_id == article_id]


def _bare(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host.removeprefix('www.')}{parts.path}"


def _redirect_detail(row: IndexRow, got: Fetched) -> str:
    return (f"{row.via} is a redirect ({got.status}) to {got.header('location') or '?'}, "
            "not the page")


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def summary_counts(report: RunReport) -> Counter[str]:
    """The run's backfill counters summed over sites (for the CLI and benchmarks)."""
    total: Counter[str] = Counter()
    for site in report.sites:
        for key, value in site.counters.items():
            if key.startswith("backfill/"):
                total[key] += value
    return total
