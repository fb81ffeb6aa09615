"""A run of a writing command (crawl, import-warc, reextract) from lock to record.

    with begin(settings, "import-warc", sites) as (warehouse, recorder, report):
        ...   # record through `recorder`, count in `report.sites`

takes the run lock, opens the warehouse, records the run as 'running', and on the way
out flushes the recorder and records the outcome, also when interrupted (Ctrl-C,
SIGTERM): then the report says so and the exception does not propagate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import WarehouseBusy
from .lock import RunLock
from .recorder import Recorder
from .report import RunReport, SiteReport
from .settings import Settings, as_dict
from .spool import Spool, SpoolingWarehouse, merge
from .warehouse import Warehouse

log = logging.getLogger(__name__)


def config_digest(settings: Settings) -> str:
    return hashlib.sha256(json.dumps(as_dict(settings), sort_keys=True,
                                     default=str).encode()).hexdigest()


@contextmanager
def begin(settings: Settings, command: str, sites: list[str], *, archive: bool = False,
          reason: str = "refetch", spool: bool = False
          ) -> Iterator[tuple[Warehouse, Recorder, RunReport]]:
    """See the module docstring; `spool=True` lets a crawl run on while readers hold the
    warehouse, keeping its batches in the spool folder (pipeline.spool)."""
    with RunLock(settings.lock_path(), command):
        warehouse = open_for_writing(settings, spool)
        try:
            run_id = warehouse.new_run_id()
            digest = config_digest(settings)
            warehouse.start_run(run_id, sites, socket.gethostname(), os.getpid(), digest,
                                command)
            reports = {name: SiteReport(name, failure_limit=settings.crawl.site_failure_limit)
                       for name in sites}
            report = RunReport(run_id, list(reports.values()), command=command)
            if isinstance(warehouse, SpoolingWarehouse):
                report.spooled = str(warehouse.spool.folder)
            if archive:
                recorder = Recorder.for_run(warehouse, run_id, settings, reports, digest)
            else:
                recorder = Recorder(warehouse, run_id, settings, reports, reason=reason)
            started = time.perf_counter()
            try:
                yield warehouse, recorder, report
            except KeyboardInterrupt:
                report.interrupted = True
            finally:
                report.seconds = time.perf_counter() - started
                try:
                    recorder.close()
                finally:
                    finish(warehouse, report)
        finally:
            warehouse.close()


def open_for_writing(settings: Settings, spool: bool) -> Warehouse:
    """The warehouse, read-write, with earlier spooled work merged; or, when other
    processes still hold it after warehouse.lock_wait, a spooling stand-in."""
    folder = Spool(settings.spool_dir())
    try:
        warehouse = Warehouse.open_waiting(settings.warehouse)
    except WarehouseBusy:
        if not spool:
            raise
        try:
            reader = Warehouse.open(settings.warehouse, read_only=True)
        except WarehouseBusy as exc:
            raise WarehouseBusy(f"{exc} (even reading it failed: another process writes it)"
                                ) from None
        log.warning("the warehouse is held by other processes: this run keeps its work in "
                    "%s; the next run merges it", folder.folder)
        return SpoolingWarehouse(reader, folder)  # type: ignore[return-value]
    from .terms import crawl_hook

    warehouse.after_store = crawl_hook(settings)  # index the terms of stored articles
    try:
        merged = merge(warehouse, folder)
    except BaseException:
        warehouse.close()
        raise
    if merged:
        log.info("merged %d spooled file(s) from %s", merged, folder.folder)
    return warehouse


def finish(warehouse: Warehouse, report: RunReport) -> None:
    """Record the run's outcome, per-site rows and counters."""
    pending = warehouse.pending_counts()
    for site in report.sites:
        site.pending = pending.get(site.site, 0)
    warehouse.finish_run(report.run_id, report.outcome, report.exit_code, report.summary,
                         [s.row() for s in report.sites], report.counters())
