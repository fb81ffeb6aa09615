"""`newsvault maintain` on team mode: the one job that rewrites the lake's files.

Crawlers only insert, so the lake collects many small Parquet files, rows inlined in
the catalog, term-count deltas and snapshots.  In order, under the exclusive maintenance
lock (each batch commit holds the shared one, so nothing is inserted meanwhile and no
commit conflicts with a rewrite):

    compact term counts     term_days deltas -> one row per term, site and day
    drop superseded rows    article states behind a later one, replaced term entries
    flush inlined rows      ducklake_flush_inlined_data: catalog rows into Parquet
    rewrite deletes         ducklake_rewrite_data_files: files with 5% of rows deleted
    merge small files       ducklake_merge_adjacent_files
    expire snapshots        ducklake_expire_snapshots(older_than)
    clean up old files      ducklake_cleanup_old_files(older_than)
    delete orphaned files   ducklake_delete_orphaned_files(older_than)

`older_than` keeps time travel and the files a reader may still be reading for that long.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseError
from pipeline.store.queries import split_statements
from pipeline.store.team.lake import Lake
from pipeline.store.team.session import (
    LAKE_FOLDER,
    MAINTENANCE_LOCK,
    advisory,
    full_text,
    lake_sql,
)

# A file is rewritten once this share of its rows is deleted (DuckLake's default, 0.95,
# would leave the files that dropped superseded states mostly as they are).
REWRITE_SHARE = 0.05


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    rows: int  # what it touched: rows compacted or flushed, files merged or deleted, ...


@dataclass
class Files:
    """The lake's file counts at one moment."""

    data: int
    deletes: int
    on_disk: int
    snapshots: int

    def line(self) -> str:
        return (f"{self.data} data files, {self.deletes} delete files, {self.on_disk} "
                f"Parquet files on disk, {self.snapshots} snapshots")


@dataclass
class MaintainReport:
    mode: str                    # team | file
    steps: list[Step] = field(default_factory=list)
    before: Files | None = None
    after: Files | None = None

    def line(self) -> str:
        if self.mode == "file":
            return ("maintain: DuckDB file checkpointed; the lake steps (compaction, file "
                    "merge, snapshot expiry) are for team mode")
        took = sum(s.seconds for s in self.steps)
        assert self.before is not None and self.after is not None
        return (f"maintain: {self.before.line()} -> {self.after.line()} in {took:.1f} s")


def maintain_lake(settings: Settings, older_than: dt.timedelta, wait: float,
                  progress: Callable[[str], None] | None = None) -> MaintainReport:
    """Run the steps above; LockHeld (exit 75) when a batch commit or another
    maintenance holds the lock for longer than `wait` seconds."""
    report = MaintainReport("team")
    with Lake.open(settings, capped=False) as lake:  # a merge needs more than a batch
        assert lake.pg is not None
        lake.con.execute("SET preserve_insertion_order = false")
        with advisory(lake.pg, MAINTENANCE_LOCK, wait=wait):
            report.before = files(lake)
            cutoff = f"now() - INTERVAL '{int(older_than.total_seconds())} seconds'"
            for name, work in _steps(lake, cutoff):
                if progress is not None:
                    progress(name)
                start = time.monotonic()
                try:
                    rows = work()
                except duckdb.Error as exc:
                    raise WarehouseError(f"maintain: {name} failed: {full_text(exc)}") from None
                report.steps.append(Step(name, time.monotonic() - start, rows))
            report.after = files(lake)
    return report


def _steps(lake: Lake, cutoff: str) -> list[tuple[str, Callable[[], int]]]:
    cat = lake.catalog

    def call(sql: str) -> Callable[[], int]:
        return lambda: len(lake.con.execute(f"CALL {sql}").fetchall())

    return [
        ("compact term counts", lambda: _compact_terms(lake)),
        ("drop superseded rows", lambda: _drop_superseded(lake)),
        ("flush inlined rows", call(f"ducklake_flush_inlined_data('{cat}')")),
        ("rewrite files with deletes", call(f"ducklake_rewrite_data_files('{cat}', "
                                            f"delete_threshold => {REWRITE_SHARE})")),
        ("merge small files", call(f"ducklake_merge_adjacent_files('{cat}')")),
        ("expire snapshots", call(f"ducklake_expire_snapshots('{cat}', older_than => "
                                  f"{cutoff})")),
        ("clean up old files", call(f"ducklake_cleanup_old_files('{cat}', older_than => "
                                    f"{cutoff})")),
        ("delete orphaned files", call(f"ducklake_delete_orphaned_files('{cat}', "
                                       f"older_than => {cutoff})")),
    ]


def _compact_terms(lake: Lake) -> int:
    """One transaction: the deltas of every month holding some become summed rows."""
    con = lake.con
    before = con.execute("SELECT count(*) FROM term_days WHERE NOT compacted").fetchone()
    if not before or not before[0]:
        return 0
    con.begin()
    try:
        for statement in split_statements(lake_sql("compact_term_days")):
            con.execute(statement)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return int(before[0])


def _drop_superseded(lake: Lake) -> int:
    """One transaction: article states and term entries no view reads any more."""
    con = lake.con
    before = con.execute("SELECT (SELECT count(*) FROM article_states) "
                         "+ (SELECT count(*) FROM term_docs)").fetchone()
    con.begin()
    try:
        for statement in split_statements(lake_sql("drop_superseded")):
            con.execute(statement)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    after = con.execute("SELECT (SELECT count(*) FROM article_states) "
                        "+ (SELECT count(*) FROM term_docs)").fetchone()
    return int(before[0]) - int(after[0]) if before and after else 0


def files(lake: Lake) -> Files:
    data, deletes = lake.con.execute(
        f"SELECT coalesce(sum(file_count), 0), coalesce(sum(delete_file_count), 0) "
        f"FROM ducklake_table_info('{lake.catalog}')").fetchone() or (0, 0)
    snapshots = lake.con.execute(
        f"SELECT count(*) FROM ducklake_snapshots('{lake.catalog}')").fetchone()
    folder = Path(lake.settings.warehouse.data_path) / LAKE_FOLDER
    on_disk = sum(1 for _ in folder.rglob("*.parquet")) if folder.is_dir() else 0
    return Files(int(data), int(deletes), on_disk, int(snapshots[0]) if snapshots else 0)
