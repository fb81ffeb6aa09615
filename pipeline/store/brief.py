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
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseBusy
from pipeline.core.records import Link
from pipeline.store.interfaces import ArchiveData, Store
from pipeline.store.lock import RunLock
from pipeline.store.records import (
    Batch,
    BatchResult,
    ClusterRule,
    Cursor,
    Found,
    IndexStatus,
    Segmented,
    TermRow,
)
from pipeline.store.spool import Spool, SpoolingWarehouse, merge
from pipeline.store.warehouse import Warehouse
from pipeline.store.workunits import OneUnit

log = logging.getLogger(__name__)
T = TypeVar("T")


class BriefWarehouse(OneUnit):
    read_only = False

    def __init__(self, settings: Settings, spool: bool = False) -> None:
        self.settings = settings.warehouse
        self.spool = Spool(settings.spool_dir())
        self.spool_allowed = spool
        self.spooling: SpoolingWarehouse | None = None
        self.after_store: Callable[[ArchiveData, list[str]], None] | None = None
        self.lock_file: Path = settings.lock_path()
        self._con = Warehouse.connect(self.settings)
        self._held: Warehouse | None = None
        self._migrated = False

    # ------------------------------------------------------------------ holding the file

    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[Store]:
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
    def reading(self) -> Iterator[Store]:
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
    def hold(self) -> Iterator[Store]:
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
        warehouse.lock_file = self.lock_file
        return warehouse

    def _spooler(self) -> SpoolingWarehouse:
        try:
            reader = Warehouse.open(self.settings, read_only=True, con=self._con)
        except WarehouseBusy as exc:
            raise WarehouseBusy(f"{exc} (even reading it failed: another process writes it)"
                                ) from None
        log.warning("the warehouse is held by other processes: this run keeps its work in "
                    "%s; the next run merges it", self.spool.folder)
        reader.lock_file = self.lock_file
        return SpoolingWarehouse(reader, self.spool)

    def attached(self) -> Warehouse:
        """The Warehouse attached inside `hold()` (for the store's own helpers)."""
        if self.spooling is not None:
            return self.spooling.reader
        if self._held is None:
            raise RuntimeError("the warehouse is not attached: use BriefWarehouse.hold()")
        return self._held

    def close(self) -> None:
        if self.spooling is not None:
            self.spooling.close()
        with contextlib.suppress(Exception):
            self._con.close()


    def spooled_to(self) -> str | None:
        return str(self.spool.folder) if self.spooling is not None else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.writing() as warehouse, warehouse.transaction():
            yield

    def run_lock(self, command: str) -> RunLock:
        return RunLock(self.lock_file, command)

    def discovery(self, site: str) -> contextlib.AbstractContextManager[bool]:
        """One writer: its run pages every list."""
        return contextlib.nullcontext(True)

    # ----------------------------------------------------------- reads (read-only, brief)

    def _read(self, work: Callable[[Store], T]) -> T:
        with self.reading() as warehouse:
            return work(warehouse)

    def _write(self, work: Callable[[Store], T]) -> T:
        with self.writing() as warehouse:
            return work(warehouse)

    def known(self, ids: list[str]) -> set[str]:
        return self._read(lambda w: w.known(ids)) if ids else set()

    def list_seen(self, site: str, list_name: str) -> bool:
        return self._read(lambda w: w.list_seen(site, list_name))

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        if not ids:
            return set()
        return self._read(lambda w: w.known_before(site, list_name, ids, horizon))

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        return self._read(lambda w: w.open_gap(site, list_name))

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        return self._read(lambda w: w.cooldown(site, now))

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        return self._read(lambda w: w.feed_item(article_id))

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        return self._read(lambda w: w.pending(site, limit))

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float) -> list[dict[str, Any]]:
        return self._read(lambda w: w.claim(site, owner, limit, lease_seconds))

    def pending_counts(self) -> dict[str, int]:
        return self._read(lambda w: w.pending_counts())

    def backfill_cursor(self, query: str) -> Cursor | None:
        return self._read(lambda w: w.backfill_cursor(query))

    def backfill_turn(self, query: str, run_id: int) -> bool:
        return True  # one writer pages everything

    def revisits(self, urls: list[str]) -> list[tuple[Any, ...]]:
        return self._read(lambda w: w.revisits(urls))

    def stored_body(self, sha256: str) -> bytes | None:
        return self._read(lambda w: w.stored_body(sha256))

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        return self._read(lambda w: w.reextract_candidates(site, since, everything, version,
                                                           first, last))

    def term_rows(self, ids: Sequence[str]) -> list[TermRow]:
        return self._read(lambda w: w.term_rows(ids))

    def term_status(self, version: str) -> IndexStatus:
        return self._read(lambda w: w.term_status(version))

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        return self._read(lambda w: w.term_ids(terms))

    # ------------------------------------------------------------ writes (read-write, brief)

    def release(self, owner: str) -> None:
        """Nothing is leased in the DuckDB file (see frontier.Frontier.claim)."""

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        """One writer: nobody else holds a claim."""
        return 0

    def heartbeat(self, run_id: int) -> None:
        """Nothing to renew: the run lock's flock lives as long as the process."""

    def new_run_id(self) -> int:
        return self._write(lambda w: w.new_run_id())

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        self._write(lambda w: w.start_run(run_id, sites, host, pid, config_digest, command))

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        self._write(lambda w: w.finish_run(run_id, outcome, exit_code, summary, sites,
                                           counters, error, error_detail))

    def set_progress(self, run_id: int, progress: str) -> None:
        self._write(lambda w: w.set_progress(run_id, progress))

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        self._write(lambda w: w.requeue_refetch(site, now, fetched_before, published_after,
                                                max_refetches))

    def add_links(self, links: Sequence[Link], run_id: int) -> None:
        self._write(lambda w: w.add_links(links, run_id))

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> None:
        self._write(lambda w: w.record_outcomes(done, run_id, max_attempts))

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        self._write(lambda w: w.record_frontier(batch, run_id, max_attempts))

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        return self._write(lambda w: w.save_backfill_page(query, found, position, pages,
                                                          done, run_id))

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._write(lambda w: w.write_health(run_id, rows))

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch"
                      ) -> BatchResult:
        return self._write(lambda w: w.write_archive(batch, run_id, reason))

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        return self._write(lambda w: w.write_batch(batch, run_id, max_attempts, reason))

    def write_terms(self, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        self._write(lambda w: w.write_terms(rows, seg, version, rule, deltas))

    def recount_terms(self) -> int:
        return self._write(lambda w: w.recount_terms())
