"""`newsvault terms` in team mode: the articles to (re)index are a shared job.

    report = update_team(settings, segmenter)

The first node splits the articles whose terms are missing or stale (all with
`rebuild`), in article id order, into units; every node running `terms` at once leases
units one at a time (pipeline.store.workunits), reads the articles of its unit that are
still to do, segments them and writes them as one lake batch, then marks the unit done.
So N nodes share the work and no article is indexed twice; a node killed mid-unit leaves
its unit to lapse and be redone.  The run is recorded in `runs` (command 'terms') with a
heartbeat that renews its units' leases.  Daily counts need no recount here: every
write adds its deltas, and `newsvault maintain` compacts them.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseError, WriteError
from pipeline.index.segment import Segmenter
from pipeline.index.termwriter import TermWriter, segment_batch
from pipeline.store.records import IndexStatus
from pipeline.store.team.heartbeat import run_heartbeat
from pipeline.store.team.store import TeamStore
from pipeline.store.workunits import claimed_units, split


def update_team(settings: Settings, segmenter: Segmenter, *, rebuild: bool = False,
                progress: Callable[[int, int], None] | None = None
                ) -> tuple[int, float, IndexStatus]:
    """(articles indexed here, seconds, the index's status after)."""
    started = time.perf_counter()
    store = TeamStore.open(settings)
    try:
        with store.run_lock("terms"):
            run_id = store.new_run_id()
            store.start_run(run_id, [], settings.node(), os.getpid(), "", "terms")
            try:
                with run_heartbeat(settings, run_id):
                    done = _index(store, settings, segmenter, rebuild, run_id, progress)
                final = store.term_status(segmenter.digest)
            except BaseException as exc:
                _failed(store, run_id, exc)
                raise
            seconds = time.perf_counter() - started
            store.finish_run(run_id, "ok", 0, f"newsvault terms ok: indexed {done} articles "
                             f"in {seconds:.1f} s; {final.current} of {final.articles} "
                             "current", [], [])
    finally:
        store.close()
    return done, seconds, final


def _index(store: TeamStore, settings: Settings, segmenter: Segmenter, rebuild: bool,
           run_id: int, progress: Callable[[int, int], None] | None) -> int:
    version = segmenter.digest
    kind = f"terms:{version}:{'all' if rebuild else 'stale'}"
    job = store.open_job(kind, lambda: split(store.term_todo(version, rebuild)))
    writer = TermWriter(store, version)
    done = 0
    for unit in claimed_units(store, job, str(run_id), settings.team.lease_ttl):
        ids = store.term_todo(version, rebuild, unit.first, unit.last)
        rows = store.term_rows(ids)
        writer.write(rows, segment_batch(segmenter, rows))  # committed before it is done
        store.unit_done(unit, run_id)
        done += len(rows)
        if progress:
            progress(done, 0)
    return done


def _failed(store: TeamStore, run_id: int, exc: BaseException) -> None:
    """Record the run as failed (or interrupted, Ctrl-C); its units go back at once."""
    outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
    code = 74 if isinstance(exc, WarehouseError | WriteError) else 1
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    with contextlib.suppress(Exception):  # the first reason is the one to report
        store.finish_run(run_id, outcome, code, f"newsvault terms {outcome}: {line}", [], [],
                         line, "".join(traceback.format_exception(exc)))
