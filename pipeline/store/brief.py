"""The warehouse of a writing run, held only while the run reads or commits.

DuckDB allows one writer process or many readers.  A crawl that kept the file open for
writing the whole run would lock analysts out for minutes; a `BriefWarehouse` attaches
the file for each batch commit (read-write, about as long as the commit takes) and for
each of the run's own reads (read-only, next to any other reader), and detaches it in
between, so `newsvault sql`, `status`, `export` and `trend` get in at any moment and
see the last committed batch.

    store = BriefWarehouse(settings, spool=True)
    with store.writing() as warehouse:    # the file, read-write, for one commit
        warehouse.write_batch(...)
    store.pending("36kr", 100)            # a read: attached read-only, then let go

`writing(wait=False)` tries once and raises WarehouseBusy when readers are in (the
recorder then keeps the batch in memory and tries again later); `writing()` waits up to
warehouse.lock_wait.  When readers still hold the file after that (a notebook), the run
goes on in the spool as before (pipeline.store.spool): every later read and write goes
through a SpoolingWarehouse and the next run merges the work.  `hold()` keeps the file
attached for a whole job (import-warc, reextract) as a plain Warehouse would.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseBusy
from pipeline.store.spool import Spool, SpoolingWarehouse, merge
from pipeline.store.warehouse import Batch, BatchResult, Warehouse

log = logging.getLogger(__name__)


class BriefWarehouse:
    read_only = False

    def __init__(self, settings: Settings, spool: bool = False) -> None:
        self.settings = settings.warehouse
        self.spool = Spool(settings.spool_dir())
        self.spool_allowed = spool
        self.spooling: SpoolingWarehouse | None = None
        self.after_store: Callable[[Warehouse, list[str]], None] | None = None
        self._con = Warehouse.connect(self.settings)
        self._held: Warehouse | None = None
        self._migrated = False

    # ------------------------------------------------------------------ holding the file

    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[Any]:
        """The warehouse, read-write, for one piece of work (or the spooling stand-in)."""
        if self.spooling is not None:
            yield self.spooling
            return
        if self._held is not None and not self._held.read_only:
            yield self._held
            return
        started = time.perf_counter()
        try:
            warehouse = self._attach(wait)
        except WarehouseBusy:
            if not wait or not self.spool_allowed:
                raise
            self.spooling = self._spooler()
            yield self.spooling
            return
        self._held = warehouse
        try:
            yield warehouse
        finally:
            self._held = None
            warehouse.close()
            log.debug("held the warehouse for writing %.3f s", time.perf_counter() - started)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """The warehouse for one read: read-only, beside any other reader."""
        if self.spooling is not None:
            yield self.spooling
            return
        if self._held is not None:
            yield self._held
            return
        warehouse = Warehouse.open_waiting(self.settings, read_only=True, con=self._con,
                                           check=False)
        self._held = warehouse
        try:
            yield warehouse
        finally:
            self._held = None
            warehouse.close()

    @contextlib.contextmanager
    def hold(self) -> Iterator[Any]:
        """Keep the file attached for writing for a whole job (nested uses join it)."""
        with self.writing() as warehouse:
            yield warehouse

    def _attach(self, wait: bool) -> Warehouse:
        migrate = not self._migrated
        if wait:
            warehouse = Warehouse.open_waiting(self.settings, con=self._con, migrate=migrate)
        else:
            warehouse = Warehouse.open(self.settings, con=self._con, migrate=migrate)
        if not self._migrated:
            self._migrated = True
            try:
                merged = merge(warehouse, self.spool)  # work an earlier run spooled
            except BaseException:
                warehouse.close()
                raise
            if merged:
                log.info("merged %d spooled file(s) from %s", merged, self.spool.folder)
        warehouse.after_store = self.after_store
        return warehouse

    def _spooler(self) -> SpoolingWarehouse:
        try:
            reader = Warehouse.open(self.settings, read_only=True, con=self._con)
        except WarehouseBusy as exc:
            raise WarehouseBusy(f"{exc} (even reading it failed: another process writes it)"
                                ) from None
        log.warning("the warehouse is held by other processes: this run keeps its work in "
                    "%s; the next run merges it", self.spool.folder)
        return SpoolingWarehouse(reader, self.spool)

    @property
    def con(self) -> Any:
        """The DuckDB session of the attached warehouse (inside `hold()`)."""
        if self.spooling is not None:
            return self.spooling.con
        if self._held is None:
            raise RuntimeError("the warehouse is not attached: use BriefWarehouse.hold()")
        return self._held.con

    def close(self) -> None:
        if self.spooling is not None:
            self.spooling.close()
        with contextlib.suppress(Exception):
            self._con.close()

    # ----------------------------------------------------------------------- reads

    def known(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        with self.reading() as warehouse:
            return warehouse.known(ids)

    def list_seen(self, site: str, list_name: str) -> bool:
        with self.reading() as warehouse:
            return warehouse.list_seen(site, list_name)

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        if not ids:
            return set()
        with self.reading() as warehouse:
            return warehouse.known_before(site, list_name, ids, horizon)

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        with self.reading() as warehouse:
            return warehouse.open_gap(site, list_name)

    def cooldown(self, site: str, now: Any) -> Any:
        with self.reading() as warehouse:
            return warehouse.cooldown(site, now)

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        with self.reading() as warehouse:
            return warehouse.feed_item(article_id)

    def __getattr__(self, name: str) -> Any:
        """Any other Warehouse method, run on the file attached for writing (safe for a
        read as for a write): a method added to Warehouse works here at once."""
        if name.startswith("_") or not callable(getattr(Warehouse, name, None)):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.writing() as warehouse:
                return getattr(warehouse, name)(*args, **kwargs)

        return call

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        with self.reading() as warehouse:
            return warehouse.pending(site, limit)

    def pending_counts(self) -> dict[str, int]:
        with self.reading() as warehouse:
            return warehouse.pending_counts()

    def query(self, name: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self.reading() as warehouse:
            return warehouse.query(name, params)

    # ---------------------------------------------------------------------- writes

    def new_run_id(self) -> int:
        with self.writing() as warehouse:
            return warehouse.new_run_id()

    def start_run(self, *args: Any, **kwargs: Any) -> None:
        with self.writing() as warehouse:
            warehouse.start_run(*args, **kwargs)

    def finish_run(self, *args: Any, **kwargs: Any) -> None:
        with self.writing() as warehouse:
            warehouse.finish_run(*args, **kwargs)

    def set_progress(self, run_id: int, progress: str) -> None:
        with self.writing() as warehouse:
            warehouse.set_progress(run_id, progress)

    def requeue_refetch(self, *args: Any, **kwargs: Any) -> None:
        with self.writing() as warehouse:
            warehouse.requeue_refetch(*args, **kwargs)

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self.writing() as warehouse:
                warehouse.write_health(run_id, rows)

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        with self.writing() as warehouse:
            return warehouse.write_batch(batch, run_id, max_attempts, reason)
