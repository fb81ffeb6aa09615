"""PgControl: team mode's ControlState (pipeline.store.interfaces) in PostgreSQL.

    control = PgControl.open(settings)           # connects, creates nv_ctl if needed
    run_id = control.new_run_id()
    control.start_run(run_id, ["163"], node, pid, digest)
    items = control.claim("163", owner, 20, settings.team.lease_ttl)
    ...
    control.record_outcomes([(id, "done", None), ...], run_id, max_attempts)
    control.finish_run(run_id, "ok", 0, summary, sites, counters)

One autocommit connection (READ COMMITTED); each method is one transaction, or joins the
caller's `transaction()`. A deadlock or serialization failure of a whole transaction is
retried a few times; any other database error is a WarehouseError (exit 74) with
PostgreSQL's own first line.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import errors as pg_errors

from pipeline.core.errors import WarehouseError
from pipeline.core.records import Link
from pipeline.store.interfaces import Plan
from pipeline.store.records import Batch, Cursor, Found, WorkUnit
from pipeline.store.team import bfwork, frontier, locks, refusals, runs, schema
from pipeline.store.team import work as units
from pipeline.store.team.connect import connect, first_line

if TYPE_CHECKING:
    from pipeline.config.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 4
RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


class TeamLock:
    """What a held team-mode run lock says about its holder (pipeline.store.interfaces
    HeldLock)."""

    def __init__(self, command: str, node: str) -> None:
        self.info: dict[str, Any] = {"command": command, "node": node}

    def note(self, **info: Any) -> None:
        self.info.update(info)


class PgControl:
    def __init__(self, con: psycopg.Connection, *, node: str, lease_ttl: float) -> None:
        self.con = con
        self.node = node
        self.lease_ttl = lease_ttl
        self.run_id: int | None = None  # the run started here: its leases, its heartbeat
        self._alive: set[int] = set()  # runs whose liveness lock this connection holds
        self._depth = 0

    @classmethod
    def open(cls, settings: Settings) -> PgControl:
        return cls.at(settings.warehouse.path, node=settings.node(),
                      lease_ttl=settings.team.lease_ttl)

    @classmethod
    def at(cls, uri: str, *, node: str, lease_ttl: float = 120.0) -> PgControl:
        con = connect(uri, autocommit=True)
        try:
            schema.ensure(con)
        except BaseException:
            con.close()
            raise
        return cls(con, node=node, lease_ttl=lease_ttl)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> PgControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction; nested uses join the outer one (a savepoint)."""
        self._depth += 1
        try:
            with self.con.transaction():
                yield self.con
        except psycopg.Error as exc:
            if self._depth > 1 or isinstance(exc, RETRYABLE):
                raise
            raise WarehouseError(f"the team database refused a write: {first_line(exc)}"
                                 ) from None
        finally:
            self._depth -= 1

    def _do(self, work: Callable[[psycopg.Connection], T]) -> T:
        """`work` in a transaction; retried whole on a deadlock or serialization failure
        (only at the top level: inside a caller's transaction the caller retries)."""
        for attempt in range(RETRIES):
            try:
                with self.transaction() as con:
                    return work(con)
            except RETRYABLE as exc:
                if self._depth or attempt == RETRIES - 1:
                    raise WarehouseError(f"the team database kept refusing a write: "
                                         f"{first_line(exc)}") from None
                log.info("retrying a control transaction: %s", first_line(exc))
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ the frontier

    def add_links(self, links: Sequence[Link], run_id: int | None) -> list[str]:
        return self._do(lambda con: frontier.add_links(con, links, run_id))

    def add_listed(self, listed: Sequence[tuple[str, str, str]], run_id: int) -> None:
        self._do(lambda con: frontier.add_listed(con, listed, run_id))

    def known(self, ids: list[str]) -> set[str]:
        return self._do(lambda con: frontier.known(con, ids))

    def list_seen(self, site: str, list_name: str) -> bool:
        return self._do(lambda con: frontier.list_seen(con, site, list_name))

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        return self._do(lambda con: frontier.known_before(con, site, list_name, ids, horizon))

    def open_gap(self, site: str, list_name: str, backfills: Sequence[int] = ()
                 ) -> tuple[int, dict | None] | None:
        """See frontier.open_gap; `backfills`: the runs that stored archived captures of
        the site (the archive knows them)."""
        return self._do(lambda con: frontier.open_gap(con, site, list_name, backfills))

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        return self._do(lambda con: frontier.pending(con, site, limit))

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float | None = None) -> list[dict[str, Any]]:
        """Up to `limit` items of `site` leased to `owner` (FOR UPDATE SKIP LOCKED), tied
        to the run started here so its heartbeat renews them; the leases of runs found
        dead meanwhile (runs.interrupt_dead) are among them."""
        if self.run_id is None:
            raise RuntimeError("claim() needs a run: call start_run() first")
        ttl = self.lease_ttl if lease_seconds is None else lease_seconds

        def work(con: psycopg.Connection) -> list[dict[str, Any]]:
            runs.interrupt_dead(con, self.lease_ttl)  # a dead node's leases: claimable now
            return frontier.claim(con, site, owner, self.run_id, limit, ttl)
        return self._do(work)

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        return self._do(lambda con: frontier.claimed_elsewhere(con, site, owner))

    def release(self, owner: str) -> int:
        """`owner`'s claimed items and work units, free again at once."""
        def both(con: psycopg.Connection) -> int:
            return frontier.release(con, owner=owner) + units.release(con, owner=owner)
        return self._do(both)

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> int:
        def work(con: psycopg.Connection) -> int:
            runs.lock_row(con, run_id)
            return frontier.record_outcomes(con, done, run_id, max_attempts)
        return self._do(work)

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        """A batch's control rows in one transaction: links, listed items, feed texts,
        cooldowns, then outcomes (an item found and done in one batch ends done). The
        run's row is locked first, as its heartbeat does, so the two never wait for each
        other's rows the other way round (a deadlock)."""
        def work(con: psycopg.Connection) -> None:
            runs.lock_row(con, run_id)
            frontier.add_links(con, batch.links, run_id)
            frontier.add_listed(con, batch.listed, run_id)
            refusals.add_feed_items(con, batch.feeds)
            refusals.add_cooldowns(con, batch.cooldowns, run_id)
            frontier.record_outcomes(con, batch.done, run_id, max_attempts)
            bfwork.record_reads(con, batch.captures)
            bfwork.finish(con, batch.finished, run_id)
        self._do(work)

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> int:
        return self._do(lambda con: frontier.requeue_refetch(
            con, site, fetched_before, published_after, max_refetches))

    def pending_counts(self) -> dict[str, int]:
        return self._do(frontier.pending_counts)

    # ------------------------------------------------------------------ shared jobs

    def open_job(self, kind: str, plan: Plan) -> str | None:
        return self._do(lambda con: units.open_job(con, kind, plan, self.run_id))

    def claim_unit(self, job: str, owner: str, lease_seconds: float | None = None
                   ) -> WorkUnit | None:
        """The next unit of `job` leased to `owner`, tied to the run started here so
        its heartbeat renews it."""
        if self.run_id is None:
            raise RuntimeError("claim_unit() needs a run: call start_run() first")
        ttl = self.lease_ttl if lease_seconds is None else lease_seconds
        return self._do(lambda con: units.claim(con, job, owner, self.run_id, ttl))

    def units_elsewhere(self, job: str, owner: str) -> int:
        return self._do(lambda con: units.held_elsewhere(con, job, owner))

    def unit_done(self, unit: WorkUnit, run_id: int) -> None:
        self._do(lambda con: units.done(con, unit, run_id))

    # ------------------------------------------------------------------ runs and ids

    def new_run_id(self) -> int:
        return self._do(lambda con: runs.next_ids(con, "run")[0])

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> list[int]:
        """Record the run as running (under `host`, the node name), holding its liveness
        lock on this connection until finish_run (or until the connection closes: the
        process died); dead runs become 'interrupted'; returns those."""
        alive = runs.hold_alive(self.con, run_id)  # held on this connection: see runs
        try:
            dead = self._do(lambda con: runs.start_run(con, run_id, sites, host, pid,
                                                       config_digest, command,
                                                       self.lease_ttl, alive))
        except BaseException:
            if alive:
                runs.let_go(self.con, run_id)
            raise
        if alive:
            self._alive.add(run_id)
        self.run_id = run_id
        return dead

    def heartbeat(self, run_id: int) -> bool:
        return self._do(lambda con: runs.heartbeat(con, run_id, self.lease_ttl))

    def set_progress(self, run_id: int, progress: str) -> None:
        self._do(lambda con: runs.set_progress(con, run_id, progress))

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        self._do(lambda con: runs.finish_run(con, run_id, outcome, exit_code, summary, sites,
                                             counters, error, error_detail))
        if run_id in self._alive and not self._depth:  # inside a transaction: at close
            self._alive.discard(run_id)
            runs.let_go(self.con, run_id)

    def run(self, run_id: int) -> dict[str, Any] | None:
        return self._do(lambda con: runs.run_row(con, run_id))

    def next_ids(self, kind: str, n: int = 1) -> list[int]:
        """Fresh ids of a sequence: 'run', 'capture', 'term', 'doc'."""
        return self._do(lambda con: runs.next_ids(con, kind, n))

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        """Every term's vocabulary id, new terms numbered here; all nodes agree."""
        return self._do(lambda con: runs.keyed_ids(con, "term_ids", "term", "term_id", terms))

    def doc_numbers(self, article_ids: Sequence[str]) -> dict[str, int]:
        """Every article's term-index document number, kept once given."""
        return self._do(lambda con: runs.keyed_ids(con, "term_docs", "article_id", "doc",
                                                   article_ids))

    @contextmanager
    def locked_docs(self, article_ids: Sequence[str]) -> Iterator[dict[str, int]]:
        """The articles' doc numbers, their rows locked (in id order, so two lockers
        never deadlock) until the block ends: one node at a time indexes an article."""
        docs = self.doc_numbers(article_ids)  # given and committed first
        with self.transaction() as con:
            con.execute("SELECT article_id FROM nv_ctl.term_docs WHERE article_id = ANY(%s) "
                        "ORDER BY article_id FOR UPDATE", [sorted(docs)])
            yield docs

    # ------------------------------------------------------------------ refusals

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        return self._do(lambda con: refusals.cooldown(con, site, now))

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        return self._do(lambda con: refusals.feed_item(con, article_id))

    # ------------------------------------------------------------------ backfill

    def backfill_cursor(self, query: str) -> Cursor | None:
        row = self._do(lambda con: refusals.backfill_cursor(con, query))
        return Cursor(*row) if row else None

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        return self._do(lambda con: refusals.save_backfill_page(
            con, query, found, position, pages, done, run_id))

    def backfill_turn(self, query: str, run_id: int) -> bool:
        return self._do(lambda con: bfwork.claim_query(con, query, run_id, self.lease_ttl))

    # ------------------------------------------------------------------ locks

    @contextmanager
    def run_lock(self, command: str) -> Iterator[TeamLock]:
        """Team mode's run lock: runs on any number of nodes at once, one run of a
        command per node name (its WARC files and recovery are the node's own), and
        `maintain` on one node at a time, only while no batch commits (each commit holds
        the maintenance lock shared). LockHeld (exit 75) otherwise; gone with the
        connection if the process dies."""
        if command == "maintain":
            with locks.maintenance(self.con):
                yield TeamLock(command, self.node)
            return
        with locks.node_run(self.con, self.node, command):
            yield TeamLock(command, self.node)

    def crawling(self) -> Any:
        """The shared side of the maintenance lock, for a writing run."""
        return locks.crawling(self.con)

    def maintenance(self) -> Any:
        return locks.maintenance(self.con)

    def discovery(self, site: str) -> Any:
        return locks.discovery(self.con, site)
