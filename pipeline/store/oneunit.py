"""Shared jobs where one writer holds the warehouse (the DuckDB file, its spool): every
job is one unit, the whole of it, done by this process (ControlState.open_job and
claim_unit), so reextract and friends behave as they did before team mode."""

from __future__ import annotations

from pipeline.store.records import WorkUnit


class OneUnit:
    """Mixed into the DuckDB file's ControlState implementations."""

    _units_handed: set[str]

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
