"""The DuckDB warehouse: attach, migrate, and the rows of both interfaces.

`Warehouse` implements pipeline.store.interfaces.ControlState and ArchiveData on one
DuckDB file (or a DuckLake catalog attached through DuckDB), in one transaction:

    pipeline.store.connect    session, ATTACH, migrations
    pipeline.store.frontier   frontier, lists, cooldowns, feed items, backfill cursors
    pipeline.store.runs       run records, progress, the run lock
    pipeline.store.batches    captures, bodies, articles and versions, health
    pipeline.store.terms      the term index

SQL lives in warehouse/migrations/*.sql (versioned, applied in order),
warehouse/queries/*.sql (loaded by name) and these modules.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Iterator
from types import TracebackType

import duckdb

from pipeline.config.settings import WarehouseSettings
from pipeline.core.errors import WarehouseBusy
from pipeline.store import connect as connecting
from pipeline.store.batches import Batches
from pipeline.store.queries import inline_params, migrations, split_statements, sql_text
from pipeline.store.records import Batch, BatchResult, CaptureRow
from pipeline.store.runs import Runs
from pipeline.store.terms import Terms

__all__ = ["Batch", "BatchResult", "CaptureRow", "Warehouse", "inline_params", "migrations",
           "split_statements", "sql_text"]
log = logging.getLogger(__name__)


class Warehouse(Batches, Runs, Terms):
    _own = True  # the session is this warehouse's own (closed with it)

    @classmethod
    def connect(cls, settings: WarehouseSettings) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB session with the warehouse's extensions and settings, to
        attach the warehouse to (`open(con=...)`); a job that opens the file many times
        keeps one and attaches and detaches the file on it."""
        return connecting.connect(settings)

    @classmethod
    def open(cls, settings: WarehouseSettings, *, read_only: bool = False,
             migrate: bool = True, con: duckdb.DuckDBPyConnection | None = None,
             check: bool = True) -> Warehouse:
        """Attach the warehouse (to `con`, or to a session of its own); `close()` lets
        the file go again.  WarehouseBusy when another process holds it."""
        target = connecting.target_of(settings, read_only)
        own = con is None
        session = connecting.connect(settings) if con is None else con
        try:
            connecting.attach(session, settings, target, read_only)
        except BaseException:
            if own:
                session.close()
            raise
        warehouse = cls(session, settings, read_only)
        warehouse._own = own
        try:
            if migrate and not read_only:
                warehouse.migrate()
            elif read_only and check:
                connecting.check_version(warehouse)
        except BaseException:
            warehouse.close()
            raise
        return warehouse

    @classmethod
    def open_waiting(cls, settings: WarehouseSettings, *, read_only: bool = False,
                     wait: float | None = None, migrate: bool = True,
                     con: duckdb.DuckDBPyConnection | None = None,
                     check: bool = True) -> Warehouse:
        """Open, waiting up to `wait` seconds (default warehouse.lock_wait) while another
        process holds the file.  A crawl holds it only while it commits a batch (well
        under a second), so the first tries come quickly, then back off a little."""
        deadline = time.monotonic() + (settings.lock_wait if wait is None else wait)
        delay = 0.03
        while True:
            try:
                return cls.open(settings, read_only=read_only, migrate=migrate, con=con,
                                check=check)
            except WarehouseBusy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                pause = min(delay * random.uniform(0.7, 1.3), left)
                log.debug("the warehouse is busy; trying again in %.2f s", pause)
                time.sleep(pause)
                delay = min(delay * 1.5, 0.5)

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, each in its own transaction."""
        return connecting.migrate(self)

    def check_version(self) -> None:
        """For readers: a schema this code knows, and not an empty file."""
        connecting.check_version(self)

    def close(self) -> None:
        """Let the file go: close the session, or detach from a shared one."""
        connecting.detach(self.con, self.catalog, self._own)

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # One interface with pipeline.store.brief.BriefWarehouse: an opened warehouse is held.
    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[Warehouse]:
        yield self

    @contextlib.contextmanager
    def reading(self) -> Iterator[Warehouse]:
        yield self

    @contextlib.contextmanager
    def hold(self) -> Iterator[Warehouse]:
        yield self

    def spooled_to(self) -> str | None:
        return None

    def attached(self) -> Warehouse:
        return self
