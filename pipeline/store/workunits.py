"""Shared jobs worked through unit by unit (reextract, `newsvault terms` in team mode).

    job = store.open_job(kind, lambda: split(candidate_ids))
    for unit in claimed_units(store, job, owner, lease_seconds):
        ...                          # do the unit's items (first..last), commit them
        store.unit_done(unit, run_id)

In team mode the units are leased in PostgreSQL (pipeline.store.team.work), so N nodes
on one archive each do a share and no unit is done twice while its holder lives; a unit
is marked done only after its work is committed, so a node killed mid-unit leaves it to
lapse and be done again by another node (or a rerun).  When no unit is free but other
nodes still hold some, the run waits (polling): their units are either done soon or, if
their node died, back in the pool when the lease lapses, and then done here; so when
the runs are over, the job is.

Where one writer holds the warehouse (the DuckDB file, its spool) every job is one
unit, the whole of it, done by this process (`OneUnit`), so reextract behaves as it did
before team mode.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pipeline.store.records import WorkUnit

if TYPE_CHECKING:
    from pipeline.store.interfaces import ControlState

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


class OneUnit:
    """Mixed into the DuckDB file's ControlState implementations: one writer, so a job
    is one unit, the whole of it."""

    def open_job(self, kind: str, plan: object) -> str | None:
        """One writer: the job is this run's whole work; nothing to plan."""
        return kind

    def claim_unit(self, job: str, owner: str, lease_seconds: float) -> WorkUnit | None:
        """The whole job once per store (a run opens its own), then nothing."""
        handed = self.__dict__.setdefault("_units_handed", set())
        if job in handed:
            return None
        handed.add(job)
        return WorkUnit(job, 1)

    def units_elsewhere(self, job: str, owner: str) -> int:
        """One writer: nobody else holds a unit."""
        return 0

    def unit_done(self, unit: WorkUnit, run_id: int) -> None:
        """Nothing to record: the run's own commits are the whole job."""
