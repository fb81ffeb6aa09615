"""A backfill run's phases: the indexes, the archived lists, the look-ups of ids the
lists named, then the articles (see pipeline.jobs.backfill)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from pipeline.config.settings import Settings
from pipeline.core import faults
from pipeline.core.errors import SourceError, UsageError
from pipeline.core.records import Fetched, Link
from pipeline.discover.archives import ArchiveError, IndexRow, commoncrawl, wayback
from pipeline.discover.links import links as list_links
from pipeline.discover.lists import ListOutcome
from pipeline.fetch.polite import Pacer
from pipeline.jobs.backfill.archives import archive_fetcher, bare, crawls, index_row, mine
from pipeline.jobs.backfill.index import Index, Saving
from pipeline.jobs.backfill.judge import (
    REDIRECTS,
    Verdict,
    answered,
    judge,
    read_record,
    redirect_detail,
)
from pipeline.jobs.backfill.plan import Plan, Progress
from pipeline.jobs.recorder import Recorder, _extractor_thread
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.sources import registry
from pipeline.sources.base import Source
from pipeline.store.backfill import BackfillStore

if TYPE_CHECKING:
    from pipeline.store.team.bfstore import TeamBackfill

log = logging.getLogger("pipeline.jobs.backfill")
WAIT_LEASES = 10  # a guard only: lease times to wait for index queries others page


class Run:
    """One run: `main` runs the phases; `progress` (set after) hears done/total."""

    def __init__(self, settings: Settings, plan: Plan, recorder: Recorder,
                 store: BackfillStore | TeamBackfill, report: RunReport,
                 pacer: Pacer | None = None) -> None:
        self.settings, self.plan, self.recorder, self.store = settings, plan, recorder, store
        self.reports: dict[str, SiteReport] = {s.site: s for s in report.sites}
        self.progress: Progress | None = None
        self.read = 0            # records read this run (for --limit)
        self.done = 0
        self.total = 0
        self._redirects: dict[str, Fetched] = {}
        self._all_crawls: list[commoncrawl.Crawl] | None = None
        self.fetcher = archive_fetcher(settings, self._exchange, pacer)
        self.poll = min(1.0, settings.team.heartbeat)  # team mode: waiting for other nodes

    # the phases ---------------------------------------------------------------------
    async def main(self) -> None:
        async with self.fetcher:
            if not self.plan.refused:
                saving = Saving(self.store, self.recorder.run_id, self._record_index,
                                self._stopped, self.store.turn)
                index = Index(self.settings, self.plan, self.fetcher, saving)
                for site in self.plan.sites:
                    report = self.reports[site]
                    for outcome in await index.site(registry.get(site)):
                        self._index_outcome(report, outcome)
                patience = WAIT_LEASES * self.settings.team.lease_ttl
                for site, outcome in await index.held_over(self.poll, patience):
                    self._index_outcome(self.reports[site], outcome)
                if index.held:
                    log.info("%d index queries still paged by other nodes; going on with "
                             "what is found", len(index.held))
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
            if not chunk:  # team mode: other nodes hold lists still
                await self._pause()
            for item in chunk:
                if self._stopped(item["site"]):
                    continue
                await self._list(item)
            self.recorder.flush()
            if self._limited():
                return

    async def _list(self, item: dict[str, Any]) -> None:
        source, report = registry.get(item["site"]), self.reports[item["site"]]
        row = index_row(item)
        got = await self._read(row, "backfill-list")
        if got.error is None and got.status in REDIRECTS:
            got.error, got.detail = "refused-redirect", redirect_detail(row, got)
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
            if not chunk:  # team mode: other nodes hold look-ups still
                await self._pause()
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
        site, published = item["site"], item["published_at"]
        source, report = registry.get(site), self.reports[site]
        ref = source.identify(item["url"])
        urls = {bare(ref.canonical_url if ref else item["url"]), bare(item["url"])}
        since = published.astimezone(dt.UTC) - dt.timedelta(days=1) if published else None
        complete = True
        for url in sorted(urls):
            pattern = url + "*"  # query variants (?f=rss), .html forms
            rows: list[IndexRow] = []
            if wayback.NAME in self.plan.archives:
                complete &= await self._ask(report, rows,
                                            self._wayback_rows(site, pattern, since))
            if commoncrawl.NAME in self.plan.archives:
                for crawl in await self._crawls_after(published):
                    complete &= await self._ask(report, rows,
                                                self._commoncrawl_rows(site, pattern, crawl))
            found = mine(rows, source, item["article_id"])
            key = f"lookup|{item['article_id']}|{url}"
            self.store.save_page(key, found, None, None, True, self.recorder.run_id)
            report.counters["backfill/lookup/found"] += len(found)
        report.counters["backfill/lookup/ids"] += 1
        return complete

    @staticmethod
    async def _ask(report: SiteReport, rows: list[IndexRow],
                   asking: Awaitable[list[IndexRow]]) -> bool:
        """Add an index's answer to `rows`; False (counted) when it could not answer."""
        try:
            rows += await asking
        except ArchiveError as exc:
            report.counters[f"backfill/lookup/error/{exc.reason}"] += 1
            return False
        return True

    async def _wayback_rows(self, site: str, pattern: str,
                            since: dt.datetime | None) -> list[IndexRow]:
        got = await self.fetcher.fetch(wayback.cdx_request(
            pattern, since, None, limit=20, collapse="digest"))
        self._record_index(site, got)
        if not got.ok:
            raise ArchiveError(got.error or "failed", got.detail)
        return wayback.parse_cdx(got.body, got.url).rows

    async def _commoncrawl_rows(self, site: str, pattern: str,
                                crawl: commoncrawl.Crawl) -> list[IndexRow]:
        got = await self.fetcher.fetch(commoncrawl.page_request(crawl, pattern, None, None, 0))
        self._record_index(site, got)
        if not got.ok and got.status != 404:
            raise ArchiveError(got.error or "failed", got.detail)
        return commoncrawl.parse_page(got)

    async def _crawls_after(self, published: dt.datetime | None) -> list[commoncrawl.Crawl]:
        """The crawls most likely to hold a page first published at `published`: the one
        running then and the next; without a time, the newest."""
        if self._all_crawls is None:
            everything = dataclasses.replace(self.plan, since=None, until=None)
            try:
                self._all_crawls = await crawls(self.fetcher, everything, 0)
            except ArchiveError as exc:
                log.warning("%s", exc.detail)
                self._all_crawls = []
        known = self._all_crawls
        if published is None:
            return known[:1]
        after = [c for c in known if c.end is None or c.end >= published]
        return after[-2:]  # newest first: the last two are the earliest after publication

    # articles -------------------------------------------------------------------------
    async def _articles(self) -> None:
        flags = dict(refresh=self.plan.refresh, refused=self.plan.refused)
        self.total = self.store.count_articles(self.plan.sites, self.plan.archives, **flags)
        if self.plan.limit is not None:
            self.total = min(self.total, max(0, self.plan.limit - self.read))
        self._tick()
        workers = max(2, self.settings.backfill.concurrency * 4)
        # team mode: claim no more ahead than the workers take, the rest is the others'
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(
            maxsize=workers if self.settings.team_mode() else 400)

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
                if not chunk:  # team mode: other nodes hold articles still
                    await self._pause()
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
            row = index_row({**capture, "site": item["site"]})
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
        self.recorder.finished("article", item["article_id"])
        self.done += 1
        self._tick()
        if len(self.recorder.batch.captures) >= self.recorder.batch_size:
            self.recorder.flush()

    async def _pause(self) -> None:
        """Others hold work still: commit ours (its leases end), wait a moment."""
        self.recorder.flush()
        await asyncio.sleep(self.poll)

    # reading one record ---------------------------------------------------------------
    async def _read(self, row: IndexRow, purpose: str) -> Fetched:
        self.read += 1
        return await read_record(self.fetcher, self._redirects, row, purpose)

    async def _judge(self, source: Source, article_id: str, got: Fetched,
                     row: IndexRow) -> Verdict:
        refused = answered(got, row)
        if refused is not None:
            return refused
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


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
