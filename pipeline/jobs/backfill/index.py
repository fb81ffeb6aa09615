"""Paging through the archives' URL indexes for a site's URL patterns."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pipeline.config.settings import Settings
from pipeline.core.records import Fetched
from pipeline.discover.archives import ArchiveError, commoncrawl, patterns, wayback
from pipeline.discover.lists import ListOutcome
from pipeline.fetch.client import Fetcher
from pipeline.jobs.backfill.archives import classify, crawls
from pipeline.jobs.backfill.plan import Plan, stamp, window
from pipeline.sources.base import Source
from pipeline.store.backfill import BackfillStore
from pipeline.store.records import Cursor, Found

Sink = Callable[[list[Found]], None]
Paging = Callable[[], Awaitable["ListOutcome | None"]]


@dataclass
class Saving:
    """Where a run's index pages go: each page's rows committed with its paging position
    (so a killed run pages on); `record` archives each exchange; `stop` ends a site."""

    store: BackfillStore
    run_id: int
    record: Callable[[str, Fetched], None]
    stop: Callable[[str], bool]
    turn: Callable[[str], bool] = field(default=lambda query: True)


class Index:
    """Pages through the archives' URL indexes for a site's patterns: into the store
    (`saving`), or, for a dry run, into a `sink` given to `site`.  A query another node
    pages now (team mode: `saving.turn` says no) is left in `held` for `held_over`."""

    def __init__(self, settings: Settings, plan: Plan, fetcher: Fetcher,
                 saving: Saving | None = None) -> None:
        self.settings, self.plan, self.fetcher = settings, plan, fetcher
        self.saving = saving
        self._crawls: list[commoncrawl.Crawl] | None = None
        self.held: list[tuple[str, Paging]] = []

    def stop(self, site: str) -> bool:
        return self.saving is not None and self.saving.stop(site)

    def record(self, site: str, got: Fetched) -> None:
        if self.saving is not None:
            self.saving.record(site, got)

    async def site(self, source: Source, sink: Sink | None = None) -> list[ListOutcome]:
        outcomes = []
        for archive in self.plan.archives:
            for pattern in patterns.patterns(source):
                if self.stop(source.name):
                    return outcomes
                if archive == wayback.NAME:
                    await self._page(source.name, outcomes, functools.partial(
                        self._wayback, source, pattern, sink))
                else:
                    outcomes.extend(await self._commoncrawl(source, pattern, sink))
        return outcomes

    async def _page(self, site: str, outcomes: list[ListOutcome], paging: Paging) -> None:
        got = await paging()
        if got is None:
            self.held.append((site, paging))
        else:
            outcomes.append(got)

    async def held_over(self, poll: float, patience: float) -> list[tuple[str, ListOutcome]]:
        """Page the queries others held when `site` came to them, as they come free
        (done by their holder: nothing to page; a dead holder's lapsed: paged here);
        `patience` seconds at most, a guard only.  (site, outcome) of each paged."""
        outcomes: list[tuple[str, ListOutcome]] = []
        deadline = time.monotonic() + patience
        while self.held and time.monotonic() < deadline:
            await asyncio.sleep(poll)
            held, self.held = self.held, []
            for site, paging in held:
                if self.stop(site):
                    continue
                paged: list[ListOutcome] = []
                await self._page(site, paged, paging)
                outcomes.extend((site, outcome) for outcome in paged)
        return outcomes

    def _turn(self, key: str, sink: Sink | None) -> bool:
        """Whether this run pages the query now (False: another node does)."""
        return self.saving is None or sink is not None or self.saving.turn(key)

    def _cursor(self, key: str, sink: Sink | None) -> Cursor | None:
        return self.saving.store.cursor(key) if self.saving and sink is None else None

    def _found(self, key: str, found: list[Found], sink: Sink | None,
               paging: tuple[str | None, int | None, bool]) -> int:
        """Hand a page's rows on; the rows new to the store."""
        if sink is not None:
            sink(found)
            return 0
        if self.saving is None:
            return 0
        position, pages, done = paging
        return self.saving.store.save_page(key, found, position, pages, done,
                                           self.saving.run_id)

    async def _wayback(self, source: Source, pattern: str, sink: Sink | None
                       ) -> ListOutcome | None:
        since, until = window(self.plan)
        key = "|".join(["wayback", pattern, stamp(since), stamp(until)])
        outcome = ListOutcome(source.name, f"wayback {pattern}")
        if not self._turn(key, sink):
            return None
        cursor = self._cursor(key, sink)
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
            found, skipped = classify(page.rows, source)
            _tally(outcome, found, skipped)
            outcome.new += self._found(key, found, sink, (page.next, None, page.next is None))
            if page.next is None or page.next == resume:
                break
            resume = page.next
        return outcome

    async def _commoncrawl(self, source: Source, pattern: str,
                           sink: Sink | None) -> list[ListOutcome]:
        if self._crawls is None:
            try:
                self._crawls = await crawls(self.fetcher, self.plan,
                                            self.settings.backfill.max_crawls,
                                            lambda got: self.record(source.name, got))
            except ArchiveError as exc:
                self._crawls = []
                failed = ListOutcome(source.name, "commoncrawl collinfo.json")
                failed.error, failed.detail = exc.reason, exc.detail
                return [failed]
        outcomes: list[ListOutcome] = []
        for crawl in self._crawls:
            if self.stop(source.name):
                break
            await self._page(source.name, outcomes, functools.partial(
                self._crawl, source, crawl, pattern, sink))
        return outcomes

    async def _crawl(self, source: Source, crawl: commoncrawl.Crawl, pattern: str,
                     sink: Sink | None) -> ListOutcome | None:
        """One crawl's index pages for one pattern (None: another node pages them)."""
        since, until = window(self.plan)
        key = "|".join(["commoncrawl", crawl.id, pattern, stamp(since), stamp(until)])
        outcome = ListOutcome(source.name, f"commoncrawl {crawl.id} {pattern}")
        if not self._turn(key, sink):
            return None
        cursor = self._cursor(key, sink)
        if cursor is not None and cursor.done:
            return outcome
        pages = cursor.pages if cursor else None
        if pages is None:
            pages = await self._num_pages(source, crawl, pattern, outcome)
            if pages is None:
                return outcome
            if self.saving is not None and sink is None:
                self.saving.store.save_page(key, [], "0", pages, pages == 0,
                                            self.saving.run_id)
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
            found, skipped = classify(rows, source)
            _tally(outcome, found, skipped)
            number += 1
            outcome.new += self._found(key, found, sink, (str(number), pages, number >= pages))
        return outcome

    async def _num_pages(self, source: Source, crawl: commoncrawl.Crawl, pattern: str,
                         outcome: ListOutcome) -> int | None:
        """How many index pages the crawl holds for the pattern (None: failed, in
        `outcome`)."""
        since, until = window(self.plan)
        got = await self.fetcher.fetch(commoncrawl.num_pages_request(
            crawl, pattern, since, until))
        self.record(source.name, got)
        if not got.ok and got.status != 404:
            outcome.error, outcome.detail = got.error or "failed", got.detail
            return None
        try:
            return commoncrawl.parse_num_pages(got)
        except ArchiveError as exc:
            outcome.error, outcome.detail = exc.reason, exc.detail
            return None


def _tally(outcome: ListOutcome, found: list[Found], skipped: int) -> None:
    outcome.pages += 1
    outcome.items += len(found)
    if skipped:
        outcome.skipped["not-article-or-list"] = (
            outcome.skipped.get("not-article-or-list", 0) + skipped)
