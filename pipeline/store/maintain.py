"""`newsvault maintain`: keep the warehouse compact.

Team mode (a postgresql:// warehouse): the lake's maintenance of
pipeline.store.team.maintain, under the exclusive maintenance lock.  A DuckDB file has
none of that to do (one writer rewrites in place): it is checkpointed (its write-ahead
log folded into the file), and the report says the rest is a team-mode job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError, WarehouseError
from pipeline.store.team.maintain import MaintainReport, maintain_lake
from pipeline.store.warehouse import Warehouse


def maintain(settings: Settings, older_than: float = 24.0, wait: float = 60.0,
             progress: Callable[[str], None] | None = None) -> MaintainReport:
    """`older_than` hours of snapshots and replaced files kept; `wait` seconds at most
    for running batch commits (or another maintenance) to let go of the lock."""
    if older_than < 0 or wait < 0:
        raise UsageError("maintain: --older-than and --wait take a number of hours / "
                         "seconds, 0 or more")
    if settings.team_mode():
        return maintain_lake(settings, dt.timedelta(hours=older_than), wait, progress)
    with Warehouse.open_waiting(settings.warehouse, wait=wait) as warehouse:
        try:
            warehouse.con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise WarehouseError(f"maintain: CHECKPOINT of {settings.warehouse.path} failed: "
                                 f"{exc}") from None
    return MaintainReport("file")
