"""A run of a writing command (crawl, import-warc, reextract) from lock to record.

    with begin(settings, "import-warc", sites) as (warehouse, recorder, report):
        ...   # record through `recorder`, count in `report.sites`

takes the run lock, opens the warehouse, records the run as 'running', and on the way
out flushes the recorder and records the outcome, also when interrupted (Ctrl-C,
SIGTERM): then the report says so and the exception does not propagate.

Any other error stops the run and is recorded: outcome 'failed', the error's first line
in `runs.error` and its whole text in `runs.error_detail`; then it propagates (a
WriteError or WarehouseError: the CLI prints its one line and exits 74).

The warehouse is a pipeline.store.interfaces.Store (today a
pipeline.store.brief.BriefWarehouse).  With `brief=True` (the crawl) the file is attached
only while the run commits a batch or reads, so readers get in between; otherwise the
file stays attached for the whole job.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.config.settings import Settings, as_dict
from pipeline.core.errors import (
    ConfigError,
    PipelineError,
    RunFailed,
    UsageError,
    WarehouseBusy,
    WarehouseError,
    WriteError,
)
from pipeline.jobs.recorder import Recorder
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.store.brief import BriefWarehouse
from pipeline.store.interfaces import Store

log = logging.getLogger(__name__)
EXIT_FAILURES, EXIT_USAGE, EXIT_WRITE = 1, 2, 74
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG,
                          errno.EACCES, errno.EPERM})


def config_digest(settings: Settings) -> str:
    return hashlib.sha256(json.dumps(as_dict(settings), sort_keys=True,
                                     default=str).encode()).hexdigest()


def open_store(settings: Settings, spool: bool) -> Store:
    """The DuckDB file (held briefly), or in team mode PostgreSQL and the DuckLake."""
    if settings.team_mode():
        from pipeline.store.team.store import TeamStore

        return TeamStore.open(settings)
    return BriefWarehouse(settings, spool=spool)


@contextmanager
def begin(settings: Settings, command: str, sites: list[str], *, archive: bool = False,
          reason: str = "refetch", spool: bool = False, brief: bool = False
          ) -> Iterator[tuple[Store, Recorder, RunReport]]:
    """See the module docstring; `spool=True` lets a crawl run on while readers hold the
    warehouse, keeping its batches in the spool folder (pipeline.store.spool)."""
    with contextlib.ExitStack() as stack:
        warehouse = open_store(settings, spool)
        stack.callback(warehouse.close)
        lock = stack.enter_context(warehouse.run_lock(command))
        index_on_store(warehouse, settings)
        if not brief:
            stack.enter_context(warehouse.hold())
        with warehouse.writing() as store:
            run_id = store.new_run_id()
            digest = config_digest(settings)
            store.start_run(run_id, sites, settings.node(), os.getpid(), digest, command)
        lock.note(run_id=run_id)
        reports = {name: SiteReport(name, failure_limit=settings.crawl.site_failure_limit)
                   for name in sites}
        report = RunReport(run_id, list(reports.values()), command=command)
        started = time.perf_counter()
        try:
            if archive:
                recorder = Recorder.for_run(warehouse, run_id, settings, reports, digest)
            else:
                recorder = Recorder(warehouse, run_id, settings, reports)
                recorder.reason = reason
        except Exception as exc:
            _failed(report, exc)
            _record(warehouse, report, started)
            raise
        recorder.progress = report.progress
        try:
            yield warehouse, recorder, report
        except KeyboardInterrupt:
            report.interrupted = True
        except Exception as exc:
            _failed(report, exc)
        try:
            recorder.close()
            warehouse.release(str(run_id))  # claims not recorded: pending again at once
        except Exception as exc:
            _failed(report, exc)
        _record(warehouse, report, started)
        for site in report.sites:
            log.info("%s", report.site_line(site))
        if report.error is not None:
            raise _stop(report)


def index_on_store(warehouse: Store, settings: Settings) -> None:
    """Index the terms of stored articles as they land (pipeline.index.terms); earlier
    spooled work is merged at the first commit."""
    from pipeline.index.terms import crawl_hook

    hook = crawl_hook(settings)
    if hook is not None:
        hook(warehouse, [])  # load the dictionary now, not in a commit
    warehouse.after_store = hook


def finish(warehouse: Store, report: RunReport) -> None:
    """Record the run's outcome, per-site rows and counters."""
    with warehouse.writing() as store:
        if report.spooled is None:
            report.spooled = store.spooled_to()
        pending = store.pending_counts()
        for site in report.sites:
            site.pending = pending.get(site.site, 0)
        store.finish_run(report.run_id, report.outcome, report.exit_code, report.summary,
                         [s.row() for s in report.sites], report.counters(),
                         report.error, report.error_detail)


def _record(warehouse: Store, report: RunReport, started: float) -> None:
    report.seconds = time.perf_counter() - started
    if warehouse.spooled_to() is not None:
        report.spooled = warehouse.spooled_to()
    try:
        finish(warehouse, report)
    except Exception as exc:  # the warehouse itself failed: say so, keep the first reason
        report.recorded = False
        if report.error is None:
            _failed(report, exc)
            raise _stop(report) from None
        # the last line says it could not be recorded (cron gets one line); why: -v
        log.info("the run could not be recorded as failed: %s", _first_line(exc))


def _failed(report: RunReport, exc: BaseException) -> None:
    detail = "".join(traceback.format_exception(exc)).rstrip()
    report.fail(_first_line(exc), detail, _exit_code(exc))
    log.debug("%s", detail)


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, WarehouseBusy):
        return 75
    if isinstance(exc, WarehouseError | WriteError):
        return EXIT_WRITE
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        return EXIT_WRITE
    if isinstance(exc, ConfigError | UsageError):
        return EXIT_USAGE
    return EXIT_FAILURES


def _stop(report: RunReport) -> PipelineError:
    """The exception a failed run ends with: its one line, and the exit it means."""
    text = (f"{report.error} (run {report.run_id} recorded as failed; "
            f"`newsvault status` shows it)" if report.recorded else
            f"{report.error} (run {report.run_id} could not be recorded; "
            "`newsvault status` shows it interrupted)")
    if report.error_exit == EXIT_WRITE:
        return WriteError(text)
    if report.error_exit == 75:
        return WarehouseBusy(text)
    if report.error_exit == EXIT_USAGE:
        return UsageError(text)
    return RunFailed(text)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    line = lines[0].strip() if lines else ""
    if isinstance(exc, PipelineError) and line:
        return line
    return f"{type(exc).__name__}: {line}".rstrip(": ")  # a bug: name the exception
