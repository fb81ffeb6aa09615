"""The crawl: discover, fetch, extract, store; one run per cron tick.

    report = crawl(settings, sites=["36kr"], max_articles=50)

1. Take the run lock (another crawl: LockHeld, exit 75); repair a WARC file a killed
   run left torn.  The warehouse is attached only while the run commits a batch or
   reads (pipeline.store.brief), so readers are never locked out for long.
2. Per site, at the same time: read each list back to known items (pipeline.discover.lists),
   committing each list page's new items to the frontier as it goes.
3. Put recent articles due for a re-fetch back in the frontier (edited stories), then
   fetch the site's pending items (left-overs of a killed run first), extract them off
   the event loop and commit in batches of crawl.batch_size (pipeline.jobs.recorder).
   Items are claimed (pipeline.jobs.claims). In team mode several nodes crawl at once:
   one reads a site's lists at a time, each leases a chunk of items at a time, its
   heartbeat renews the leases, and request starts are booked over all nodes
   (pipeline.store.team.pacer), so the configured rate is the total.
4. Record the run (runs, run_sites, run_counters) and return the report; its summary is
   the one line the CLI prints.

Challenge and risk pages are refusals (pipeline.jobs.refusal): the feed's text is stored
meanwhile, and a site with `sites.<name>.cooldown` (36Kr) is left alone for a while,
across runs: a run during its cooldown fetches nothing from it and reports it `skipped`.

Every exchange is archived as it happens.  A site that keeps failing at the network
level is left for the rest of the run after crawl.site_failure_limit consecutive
failures; the other site carries on.  `replay` answers requests from WARC files instead
of the network (pipeline.archive.replay).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from pipeline.config.settings import Settings, SiteSettings
from pipeline.core.records import Fetched, Request, utcnow
from pipeline.discover.lists import discover
from pipeline.fetch.client import Fetcher
from pipeline.jobs.claims import Claims
from pipeline.jobs.recorder import Recorder, store_article
from pipeline.jobs.refusal import cool_down, cooling, judge_refusal, store_untried
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.jobs.runs import begin
from pipeline.sources import registry
from pipeline.sources.base import Source
from pipeline.sources.lists import ListSettings
from pipeline.store.team.heartbeat import Heartbeat
from pipeline.store.team.pacer import SharedPacer

log = logging.getLogger(__name__)

NETWORK_REASONS = frozenset({"connect", "timeout", "network", "robots-unreachable"})
# Seconds a claim on pending items lasts without the run's heartbeat (each commit renews
# it); a run that dies gives its items back after this (team mode; runs.begin releases
# them at the end of a run).
CLAIM_LEASE = 900.0
UNLIMITED = 1_000_000_000
# Team mode: how long (in lease times) a run waits at most for another node reading a
# site's lists, or, with nothing left to claim, for other nodes' live claims. A live node
# renews its claims while it works; a dead node's are back in the pool as soon as a node
# sees its run is gone (pipeline.store.team.runs), within one lease time at worst, and
# are fetched here. The bound only guards against a node that keeps beating without
# getting anywhere.
WAIT_LEASES = 10


def crawl(settings: Settings, sites: list[str] | None = None,
          max_articles: int | None = None, replay: Sequence[str | Path] = ()) -> RunReport:
    """Run one crawl; see the module docstring. Raises LockHeld, WarehouseError."""
    names = _site_names(settings, sites)
    transport = None
    if replay:  # a replay neither archives again nor waits between requests
        from pipeline.archive.replay import ReplayTransport

        transport = ReplayTransport.from_files([Path(p) for p in replay])
        settings = settings.replace(archive=dataclasses.replace(settings.archive,
                                                                enabled=False))
    with begin(settings, "crawl", names, archive=True, spool=True, brief=True) as (
            _, recorder, report):
        reports = {site.site: site for site in report.sites}
        asyncio.run(_crawl_sites(settings, recorder, reports, max_articles, transport))
    if settings.backfill.on_refusal and not replay:  # refused pages from the web archives
        from pipeline.jobs.backfill import after_crawl

        after_crawl(settings, report)
    return report


def _site_names(settings: Settings, sites: list[str] | None) -> list[str]:
    if sites:
        return list(dict.fromkeys(sites))
    return [name for name, site in settings.sites.items() if site.enabled]


@dataclass
class _Hosts:
    """The fetcher's per-host policy, from the sites' settings."""

    settings: Settings
    sources: dict[str, Source]
    replaying: bool  # a replay does not wait between requests

    def allowed(self, host: str) -> bool:
        return any(source.owns_host(host) for source in self.sources.values())

    def _site(self, host: str) -> SiteSettings | None:
        source = registry.for_host(host)
        return self.settings.sites.get(source.name) if source else None

    def interval(self, host: str) -> float | None:
        if self.replaying:
            return 0.0
        site = self._site(host)
        return site.min_interval if site and site.min_interval >= 0 else None

    def concurrency(self, host: str) -> int | None:
        site = self._site(host)
        return site.concurrency if site and site.concurrency > 0 else None

    def user_agent(self, host: str) -> str | None:
        site = self._site(host)
        return site.user_agent if site and site.user_agent else None

    def gate_key(self, host: str) -> str:  # a site with its own concurrency is polite as a whole
        source = registry.for_host(host)
        return f"site:{source.name}" if source and self.concurrency(host) else host


@dataclass
class _Observer:
    """Hears every exchange (archived; refusals judged) and every result (counted)."""

    sources: dict[str, Source]
    reports: dict[str, SiteReport]
    recorder: Recorder

    def _report(self, fetched: Fetched) -> SiteReport | None:
        source = registry.for_url(fetched.url)
        return self.reports.get(source.name) if source else None

    def on_exchange(self, fetched: Fetched) -> None:
        report = self._report(fetched)
        if report is not None and fetched.purpose == "article":
            judge_refusal(self.sources[report.site], fetched)
        self.recorder.capture(report.site if report else None, fetched)

    def on_result(self, fetched: Fetched) -> None:
        report = self._report(fetched)
        if report is None:
            return
        self.recorder.ensure_captured(report.site, fetched)
        answered = fetched.error is None or fetched.error == "blocked"  # a refusal answers
        key = f"fetch/{fetched.purpose}/" + (
            f"status/{fetched.status}" if answered else f"error/{fetched.error}")
        report.counters[key] += 1
        bad = fetched.error in NETWORK_REASONS or fetched.status == 429 or (
            fetched.status is not None and fetched.status >= 500)
        if bad:
            report.observe(True, fetched.detail or str(fetched.error))
        elif fetched.status is not None and fetched.purpose != "article":
            report.observe(False)  # an article's verdict waits for its extraction


@dataclass
class _Crawl:
    """What every site's crawl shares."""

    settings: Settings
    fetcher: Fetcher
    recorder: Recorder
    max_articles: int


async def _crawl_sites(settings: Settings, recorder: Recorder, reports: dict[str, SiteReport],
                       max_articles: int | None,
                       transport: httpx.AsyncBaseTransport | None) -> None:
    sources = {name: registry.get(name) for name in reports}
    hosts = _Hosts(settings, sources, replaying=transport is not None)
    observer = _Observer(sources, reports, recorder)
    team = settings.team_mode() and transport is None
    pacer = SharedPacer(settings.warehouse.path) if team else None
    beat = Heartbeat(settings.warehouse.path, recorder.run_id, settings.team.heartbeat,
                     settings.team.lease_ttl).start() if team else None
    try:
        async with Fetcher(settings.fetch, hosts.allowed, intervals=hosts.interval,
                           concurrency=hosts.concurrency, gate_key=hosts.gate_key,
                           user_agent=hosts.user_agent, transport=transport,
                           observer=observer.on_result, on_exchange=observer.on_exchange,
                           pacer=pacer) as fetcher:
            limit = max_articles if max_articles is not None else settings.crawl.max_articles
            run = _Crawl(settings, fetcher, recorder, limit)
            await asyncio.gather(*(_crawl_site(run, sources[name], reports[name])
                                   for name in reports))
    finally:
        if beat is not None:
            beat.stop()
        if pacer is not None:
            pacer.close()


async def _crawl_site(run: _Crawl, source: Source, report: SiteReport) -> None:
    site = run.settings.sites[source.name]
    if cooling(source, site, run.recorder, report):
        return
    if await _discovery_turn(run, source):
        for lst in site.lists:
            if report.abandoned or report.cooling_until:
                break
            await _read_list(run, source, lst, report)
    if report.abandoned:
        return
    run.recorder.flush()  # what discovery found, committed before asking what is pending
    _requeue_refetches(source, run.settings, run.recorder)
    await _fetch_pending(run, source, report)


async def _discovery_turn(run: _Crawl, source: Source) -> bool:
    """Whether this run reads the site's lists. Team mode: one node at a time does; the
    others wait until it is done and fetch what it found (its lock goes with its
    connection, so a node that dies reading lets the others go at once)."""
    store, team = run.recorder.warehouse, run.settings.team
    with store.discovery(source.name) as mine:
        if mine:
            return True
    log.info("%s: another node is reading its lists; fetching what it finds", source.name)
    deadline = time.monotonic() + WAIT_LEASES * team.lease_ttl  # a guard only
    while time.monotonic() < deadline:
        await asyncio.sleep(min(1.0, team.heartbeat))
        with store.discovery(source.name) as free:
            if free:
                break
    return False


async def _read_list(run: _Crawl, source: Source, lst: ListSettings,
                     report: SiteReport) -> None:
    """Read one list back to known items, counting what it gave."""
    site = run.settings.sites[source.name]
    outcome = await discover(source, lst, lst.max_pages or site.max_pages, run.fetcher,
                             run.recorder)
    report.lists.append(outcome)
    report.counters["list/pages"] += outcome.pages
    report.counters["list/new"] += outcome.new
    if outcome.error:
        report.counters[f"list/error/{outcome.error}"] += 1
        report.note_error(outcome.describe())
        if outcome.error == "blocked":
            report.counters[f"block/list/{lst.name}"] += 1
            report.observe(True, outcome.describe())
            cool_down(source, site, run.recorder, report, outcome.describe())
    for reason, count in outcome.skipped.items():
        report.counters[f"list/skip/{reason}"] += count
    log.info("%s %s", source.name, outcome.describe())


async def _fetch_pending(run: _Crawl, source: Source, report: SiteReport) -> None:
    """Fetch, extract and store the site's pending items (a killed run's first), as
    they are claimed (pipeline.jobs.claims)."""
    site, recorder = run.settings.sites[source.name], run.recorder
    workers = site.concurrency or max(2, run.settings.fetch.concurrency_per_host * 2)
    claims = _claims(run, source, workers)

    async def worker() -> None:
        while not report.abandoned and not report.cooling_until:
            item = await claims.next()
            if item is None:
                return
            fetched = await run.fetcher.fetch(Request(item["url"], purpose="article"))
            await store_article(source, item, fetched, recorder, report)
            if fetched.error == "blocked":
                cool_down(source, site, recorder, report, fetched.detail or "blocked")

    await asyncio.gather(*(worker() for _ in range(workers)))
    if report.cooling_until or report.abandoned:
        queue: asyncio.Queue[dict] = asyncio.Queue()
        for item in await claims.untried():
            queue.put_nowait(item)
        store_untried(source, queue, recorder, report)


def _claims(run: _Crawl, source: Source, workers: int) -> Claims:
    """Team mode: a chunk at a time, then waiting while other nodes hold live claims (a
    dead node's come back once its run is found dead: at once, or at the lease expiry).
    The DuckDB file: everything pending at once."""
    settings, recorder = run.settings, run.recorder
    team = settings.team_mode()
    limit = run.max_articles or UNLIMITED
    return Claims(
        recorder.warehouse, source.name, str(recorder.run_id), limit=limit,
        chunk=max(workers, settings.crawl.batch_size) if team else limit,
        lease_seconds=settings.team.lease_ttl if team else CLAIM_LEASE,
        patience=WAIT_LEASES * settings.team.lease_ttl if team else 0.0,
        poll=min(1.0, settings.team.heartbeat),
        on_claim=lambda items: recorder.preload_revisits(
            [i["url"] for i in items if i.get("refetches")]),
        before_wait=recorder.flush)


def _requeue_refetches(source: Source, settings: Settings, recorder: Recorder) -> None:
    crawl_settings = settings.crawl
    if crawl_settings.refetch_after <= 0 or crawl_settings.max_refetches <= 0:
        return
    now = utcnow()
    recorder.flush()
    recorder.warehouse.requeue_refetch(
        source.name, now, fetched_before=now - dt.timedelta(hours=crawl_settings.refetch_after),
        published_after=now - dt.timedelta(hours=crawl_settings.refetch_window),
        max_refetches=crawl_settings.max_refetches)
