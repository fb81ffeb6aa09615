"""Read-only windows on the warehouse, whichever kind it is: what the read commands
(status, coverage, trend, export, search) and `newsvault serve` open.

    with reading(settings) as warehouse:
        reads.sites(warehouse)

On a DuckDB file the window is a Warehouse attached read-only (waiting up to
warehouse.lock_wait for a crawl's commit; the file is let go at the end, so the next
commit can take it).  On team mode (a postgresql:// warehouse) it is a TeamReader
(pipeline.store.team.reader): the lake and the control state read-only, under the
file's table names, one snapshot per window.  A team reader blocks no writer, and
opening one costs about a second (two extensions, the lake's catalog), so each thread
keeps its reader between windows (`keep`, the default) and opens a new one only after
an error; `keep=False` (export: it changes the session's memory settings) opens one
for the window alone.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeAlias

import duckdb

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError
from pipeline.store.warehouse import Warehouse

if TYPE_CHECKING:
    from pipeline.store.team.reader import TeamReader

# What the read functions are given: `con`, `catalog` and the term index's reads.
Reader: TypeAlias = "Warehouse | TeamReader"


@contextlib.contextmanager
def reading(settings: Settings, *, wait: float | None = None, keep: bool = True,
            con: duckdb.DuckDBPyConnection | None = None) -> Iterator[Reader]:
    """One read-only window (see the module docstring); `wait` and `con` are the file's
    (Warehouse.open_waiting)."""
    if settings.team_mode():
        with _team(settings, keep) as reader:
            yield reader
        return
    with Warehouse.open_waiting(settings.warehouse, read_only=True, wait=wait,
                                con=con) as warehouse:
        yield warehouse


@contextlib.contextmanager
def _team(settings: Settings, keep: bool) -> Iterator[TeamReader]:
    from pipeline.store.team.reader import TeamReader  # psycopg, the extensions: team only

    if not keep:
        with TeamReader.open(settings) as reader, reader.window():
            yield reader
        return
    reader = _kept(settings)
    try:
        with reader.window():
            yield reader
    except UsageError:
        raise
    except BaseException:
        discard()  # a broken connection must not serve the next window
        raise


_local = threading.local()


def _kept(settings: Settings) -> TeamReader:
    from pipeline.store.team.reader import TeamReader

    w = settings.warehouse
    key = (w.path, w.data_path, w.catalog, w.timezone)
    if getattr(_local, "key", None) != key or getattr(_local, "reader", None) is None:
        discard()
        _local.reader = TeamReader.open(settings)
        _local.key = key
    return _local.reader  # type: ignore[no-any-return]


def discard() -> None:
    """Close this thread's kept team reader (the next window opens a new one)."""
    reader = getattr(_local, "reader", None)
    _local.reader = _local.key = None
    if reader is not None:
        reader.close()


def lost_runs(settings: Settings) -> set[int]:
    """Team mode: runs recorded running whose process is gone for sure, seen at once
    (their liveness lock is free: pipeline.store.team.runs); empty on a DuckDB file, and
    when the control state predates the lock (the heartbeat still tells, later)."""
    if not settings.team_mode():
        return set()
    import psycopg

    from pipeline.store.team.connect import connect
    from pipeline.store.team.runs import lock_lost

    with connect(settings.warehouse.path, autocommit=True) as con:
        try:
            return lock_lost(con)
        except psycopg.Error:
            return set()
