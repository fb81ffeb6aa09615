"""`backfill`: history from public web archives, with the crawl's extraction and provenance.

    report = backfill(settings, BackfillOptions(since=dt.datetime(2026, 1, 1, tzinfo=BEIJING)))

1. Index: ask each archive's URL index for the sites' article and list URL patterns
   (archives/patterns.py) captured between `since` and `until`, page by page; each
   page's rows and the query's paging position commit together (backfill_index,
   backfill_cursor), so a killed run pages on from where it stopped.  (index.py)
2. Lists: read archived list pages (feeds, newsflash and information lists, JSONP and
   rolling lists) with the sites' own list readers; newsflashes they carry whole are
   stored at once, other ids join backfill_ids.  (run.py)
3. Look-ups: ids the lists named that the indexes did not list are looked up one by
   one (Wayback, exact URL) and (Common Crawl) in the crawls after their publication.
4. Articles: per article id, the capture nearest after its publication (else the
   earliest) is read: Wayback `id_` bytes or a Common Crawl record by byte range.  A
   redirect, a challenge page or another site's page is refused with a reason and the
   next capture is tried; a page is extracted by the same profiles as the crawl's and
   stored with its capture: `captures.purpose = 'backfill'`, the original URL as WARC
   target, the archive's capture time as WARC-Date, the archive URL in `captures.via`.
   (judge.py)

Every request goes through the project's fetcher (per-host spacing: Wayback about one
a second by default, back-off on 429 and Retry-After, retries, --connect-to), and the
archive hosts are the only hosts it may fetch (archives.py).  What was read is known
from `captures.via`, committed with what it produced: a second run reads nothing twice,
and ids stored already are skipped (`refresh=True` reads them again).  `refused=True`
looks up only what the sites refused (feed-only articles, blocked pages): an archived
page becomes a new version of the article.  `dry_run=True` only counts the captures each
archive holds per site and month; nothing is written (dryrun.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from pipeline.config.settings import Settings
from pipeline.core.errors import PipelineError
from pipeline.fetch.polite import Pacer
from pipeline.jobs.backfill.dryrun import DryRun, MonthCount, dry_run
from pipeline.jobs.backfill.judge import Verdict, foreign, judge
from pipeline.jobs.backfill.plan import BackfillOptions, Plan, Progress, make_plan
from pipeline.jobs.backfill.run import Run
from pipeline.jobs.report import RunReport
from pipeline.jobs.runs import begin
from pipeline.store.backfill import open_backfill

__all__ = ["BackfillOptions", "DryRun", "MonthCount", "Plan", "Verdict", "after_crawl",
           "backfill", "foreign", "judge", "summary_counts"]
log = logging.getLogger(__name__)


def backfill(settings: Settings, options: BackfillOptions,
             progress: Progress | None = None) -> RunReport | DryRun:
    """See the package docstring. Raises UsageError, LockHeld, WarehouseError."""
    plan = make_plan(settings, options)
    if options.dry_run:
        return asyncio.run(dry_run(settings, plan))
    with begin(settings, "backfill", plan.sites, archive=True) as (warehouse, recorder, report):
        recorder.reason = "backfill"
        recorder.batch_size = 2 * settings.backfill.batch_size  # an article and its 'done'
        with contextlib.ExitStack() as team:
            pacer = _team_mode(settings, recorder.run_id, team)
            store = open_backfill(warehouse, recorder.run_id, settings,
                                  chunk=max(4, settings.backfill.concurrency * 4))
            run = Run(settings, plan, recorder, store, report, pacer)
            run.progress = progress
            asyncio.run(run.main())
    return report


def _team_mode(settings: Settings, run_id: int, stack: contextlib.ExitStack
               ) -> Pacer | None:
    """Team mode: the run's heartbeat (renewing its leases) and the archives' pace
    shared by all nodes (nv_ctl.hosts); the DuckDB file: neither."""
    if not settings.team_mode():
        return None
    from pipeline.store.team.heartbeat import Heartbeat
    from pipeline.store.team.pacer import SharedPacer

    uri = settings.warehouse.path
    beat = Heartbeat(uri, run_id, settings.team.heartbeat, settings.team.lease_ttl).start()
    stack.callback(beat.stop)
    pacer = SharedPacer(uri)
    stack.callback(pacer.close)
    return pacer


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
        report = backfill(settings, BackfillOptions(sites=refused, refused=True))
    except PipelineError as exc:
        log.warning("backfill of refused pages not done: %s", exc)
        return None
    assert isinstance(report, RunReport)
    log.info("%s", report.summary)
    return report


def summary_counts(report: RunReport) -> Counter[str]:
    """The run's backfill counters summed over sites (for the CLI and benchmarks)."""
    total: Counter[str] = Counter()
    for site in report.sites:
        for key, value in site.counters.items():
            if key.startswith("backfill/"):
                total[key] += value
    return total
