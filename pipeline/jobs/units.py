"""A shared job worked through unit by unit (reextract, `newsvault terms` in team mode).

    job = store.open_job(kind, lambda: split(candidate_ids))
    for unit in claimed_units(store, job, owner, lease_seconds):
        ...                          # do the unit's items (first..last), commit them
        store.unit_done(unit, run_id)

In team mode the units are leased in PostgreSQL, so N nodes on one archive each do a
share and no unit is done twice while its holder lives; a unit is marked done only after
its work is committed, so a node killed mid-unit leaves it to lapse and be done again by
another node (or a rerun).  When no unit is free but other nodes still hold some, the
run waits (polling): their units are either done soon or, if their node died, back in
the pool when the lease lapses, and then done here; so when the runs are over, the job
is.  The DuckDB file's job is one unit, the whole of it (pipeline.store.oneunit).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator, Sequence

from pipeline.config.settings import Settings
from pipeline.store.interfaces import ControlState
from pipeline.store.records import WorkUnit

UNIT_MIN, UNIT_MAX = 10, 250  # items per unit
UNITS = 32                    # units a job aims for, within those sizes
POLL = 1.0                    # seconds between looks while others hold the last units


def unit_size(items: int) -> int:
    """Items per unit for a job of `items`: about UNITS units, each UNIT_MIN..UNIT_MAX."""
    return min(UNIT_MAX, max(UNIT_MIN, math.ceil(items / UNITS)))


def split(keys: Sequence[str], size: int | None = None) -> list[tuple[str, str, int]]:
    """The distinct `keys` in key order, in ranges of `size`: (first, last, how many)."""
    ordered = sorted(set(keys))
    size = size or unit_size(len(ordered))
    return [(ordered[i], ordered[min(i + size, len(ordered)) - 1],
             min(size, len(ordered) - i)) for i in range(0, len(ordered), size)]


def claimed_units(store: ControlState, job: str | None, owner: str, lease_seconds: float,
                  poll: float = POLL) -> Iterator[WorkUnit]:
    """The units of `job` this run gets, one at a time, until none is left anywhere."""
    if job is None:
        return
    while True:
        unit = store.claim_unit(job, owner, lease_seconds)
        if unit is not None:
            yield unit
        elif store.units_elsewhere(job, owner):
            time.sleep(poll)  # others' units: done soon, or lapsing back to the pool
        else:
            return


@contextlib.contextmanager
def heartbeat(settings: Settings, run_id: int) -> Iterator[None]:
    """Team mode: the run's heartbeat in its own thread, renewing its units' leases while
    it works or waits (pipeline.store.team.heartbeat); the DuckDB file: nothing."""
    if not settings.team_mode():
        yield
        return
    from pipeline.store.team.heartbeat import Heartbeat

    with Heartbeat(settings.warehouse.path, run_id, settings.team.heartbeat,
                   settings.team.lease_ttl):
        yield
