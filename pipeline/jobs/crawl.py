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
from collections.abc import Sequence
from pathlib import Path

import httpx

from pipeline.config.settings import Settings, SiteSettings
from pipeline.core.records import Fetched, Request, utcnow
from pipeline.discover.lists import discover
from pipeline.fetch.client import Fetcher
from pipeline.jobs.recorder import Recorder, store_article
from pipeline.jobs.refusal import cool_down, cooling, judge_refusal, store_untried
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.jobs.runs import begin
from pipeline.sources import registry
from pipeline.sources.base import Source

log = logging.getLogger(__name__)

NETWORK_REASONS = frozenset({"connect", "timeout", "network", "robots-unreachable"})
# Seconds a claim on pending items lasts without the run's heartbeat (each commit renews
# it); a run that dies gives its items back after this (team mode; runs.begin releases
# them at the end of a run).
CLAIM_LEASE = 900.0


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


async def _crawl_sites(settings: Settings, recorder: Recorder, reports: dict[str, SiteReport],
                       max_articles: int | None,
                       transport: httpx.AsyncBaseTransport | None) -> None:
    sources = {name: registry.get(name) for name in reports}

    def allowed(host: str) -> bool:
        return any(source.owns_host(host) for source in sources.values())

    def site_of_host(host: str) -> SiteSettings | None:
        source = registry.for_host(host)
        return settings.sites.get(source.name) if source else None

    def interval(host: str) -> float | None:
        if transport is not None:
            return 0.0
        site = site_of_host(host)
        return site.min_interval if site and site.min_interval >= 0 else None

    def concurrency(host: str) -> int | None:
        site = site_of_host(host)
        return site.concurrency if site and site.concurrency > 0 else None

    def user_agent(host: str) -> str | None:
        site = site_of_host(host)
        return site.user_agent if site and site.user_agent else None

    def gate_key(host: str) -> str:  # a site with its own concurrency is polite as a whole
        source = registry.for_host(host)
        return f"site:{source.name}" if source and concurrency(host) else host

    def site_of(fetched: Fetched) -> SiteReport | None:
        source = registry.for_url(fetched.url)
        return reports.get(source.name) if source else None

    def on_exchange(fetched: Fetched) -> None:
        report = site_of(fetched)
        if report is not None and fetched.purpose == "article":
            judge_refusal(sources[report.site], fetched)
        recorder.capture(report.site if report else None, fetched)

    def on_result(fetched: Fetched) -> None:
        report = site_of(fetched)
        if report is None:
            return
        recorder.ensure_captured(report.site, fetched)
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

    async with Fetcher(settings.fetch, allowed, intervals=interval, concurrency=concurrency,
                       gate_key=gate_key, user_agent=user_agent, transport=transport,
                       observer=on_result, on_exchange=on_exchange) as fetcher:
        limit = max_articles if max_articles is not None else settings.crawl.max_articles
        await asyncio.gather(*(
            _crawl_site(sources[name], settings.sites[name], settings, fetcher, recorder,
                        reports[name], limit)
            for name in reports))


async def _crawl_site(source: Source, site: SiteSettings, settings: Settings,
                      fetcher: Fetcher, recorder: Recorder, report: SiteReport,
                      max_articles: int) -> None:
    if cooling(source, site, recorder, report):
        return
    for lst in site.lists:
        if report.abandoned or report.cooling_until:
            break
        outcome = await discover(source, lst, lst.max_pages or site.max_pages, fetcher,
                                 recorder)
        report.lists.append(outcome)
        report.counters["list/pages"] += outcome.pages
        report.counters["list/new"] += outcome.new
        if outcome.error:
            report.counters[f"list/error/{outcome.error}"] += 1
            report.note_error(outcome.describe())
            if outcome.error == "blocked":
                report.counters[f"block/list/{lst.name}"] += 1
                report.observe(True, outcome.describe())
                cool_down(source, site, recorder, report, outcome.describe())
        for reason, count in outcome.skipped.items():
            report.counters[f"list/skip/{reason}"] += count
        log.info("%s %s", source.name, outcome.describe())
    if report.abandoned:
        return
    recorder.flush()  # what discovery found, committed before asking what is pending
    _requeue_refetches(source, settings, recorder)
    items = recorder.warehouse.claim(source.name, str(recorder.run_id),
                                     max_articles or 1_000_000_000, CLAIM_LEASE)
    recorder.preload_revisits([i["url"] for i in items if i.get("refetches")])
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty() and not report.abandoned and not report.cooling_until:
            item = queue.get_nowait()
            fetched = await fetcher.fetch(Request(item["url"], purpose="article"))
            await store_article(source, item, fetched, recorder, report)
            if fetched.error == "blocked":
                cool_down(source, site, recorder, report, fetched.detail or "blocked")

    workers = min(site.concurrency or max(2, settings.fetch.concurrency_per_host * 2),
                  len(items))
    await asyncio.gather(*(worker() for _ in range(workers)))
    if report.cooling_until or report.abandoned:
        store_untried(source, queue, recorder, report)


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
