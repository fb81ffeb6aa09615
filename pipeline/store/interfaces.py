"""The two interfaces the jobs ask the warehouse through; backends implement both.

    ControlState   rows that change: the frontier and its claims, shared jobs' work
                   units, runs, cooldowns, feed items, backfill cursors, the run lock
    ArchiveData    rows that are added: captures, bodies, articles and their versions,
                   extraction health, the term index; and the named reads over them

Today's DuckDB file (pipeline.store.warehouse.Warehouse) implements both in one file and
one transaction; the spool (pipeline.store.spool.SpoolingWarehouse) and the brief holder
(pipeline.store.brief.BriefWarehouse) implement the same two.  Team mode (the next
issue) keeps ControlState in PostgreSQL and ArchiveData in DuckLake: every contract
below is what such a backend must guarantee too.  The records crossing the seam are the
dataclasses of pipeline.store.records (Batch, CaptureRow, ...) and pipeline.core.records.

A `Store` is both, plus the holding of the file (`writing`, `reading`, `hold`).  The
crawl's commit, `write_batch`, is ArchiveData.write_archive then
ControlState.record_frontier: an item is never marked done before its article is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from pipeline.core.records import Link
from pipeline.store.records import (
    Batch,
    BatchResult,
    ClusterRule,
    Cursor,
    Found,
    IndexStatus,
    Segmented,
    TermRow,
    WorkUnit,
)

# One frontier item a site has to fetch: article_id, url, kind, list_name, title,
# attempts, refetches (the columns of warehouse/queries/pending.sql).
WorkItem = dict[str, Any]
# How a new job splits into units: (first key, last key, items) in key order.
Plan = Callable[[], Sequence[tuple[str, str, int]]]


class HeldLock(Protocol):
    """A run lock while it is held."""

    def note(self, **info: Any) -> None:
        """Add to what the lock says about its holder (the run id, once known)."""


class ControlState(Protocol):
    """Rows that change: frontier, claims, runs, cooldowns, feed items, cursors, locks."""

    # -- the frontier ----------------------------------------------------------------
    def add_links(self, links: Sequence[Link], run_id: int) -> None:
        """Discovered list items join the frontier, insert-if-absent: an id already
        there is left as it is, and concurrent adds never make two rows of one id."""

    def known(self, ids: list[str]) -> set[str]:
        """Which of `ids` are in the frontier (or stored) already."""

    def list_seen(self, site: str, list_name: str) -> bool:
        """Whether this list of this site has ever been read."""

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        """Which of `ids` this list showed in a run before run `horizon`."""

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        """The run of the list's oldest gap not closed yet and the paging cursor where
        reading over it last stopped (None: from the top); None without a gap."""

    def pending(self, site: str, limit: int) -> list[WorkItem]:
        """Up to `limit` items waiting for a site: new before re-fetches, oldest first.
        A read only: it claims nothing."""

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float) -> list[WorkItem]:
        """Up to `limit` pending items of a site for `owner`, in `pending` order.  Team
        mode leases them (FOR UPDATE SKIP LOCKED): no item goes to two live owners, and
        a lease not renewed within `lease_seconds` lapses.  One writer (the DuckDB
        file, its run lock held): simply the pending items."""

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        """Items of `site` other owners have claimed and not recorded: work they may yet
        do, or that comes back to the pool when a dead node's claim lapses (a lapsed
        one counts until someone claims it).  The DuckDB file: 0."""

    def release(self, owner: str) -> None:
        """Give back `owner`'s claimed items not recorded yet and its work units not
        done (end of a run, Ctrl-C); they are free again at once instead of when the
        lease lapses."""

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> None:
        """What became of fetched items, (article_id, state, error): done | skipped |
        failed | retry | refused; retry and refused stay pending until tried
        `max_attempts` times.  Ends those items' claims."""

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        """A batch's control rows in one transaction: its links (add_links), the items
        its lists showed, its feed items and cooldowns, and its outcomes
        (record_outcomes, after the links so an item found and done in one batch is
        done)."""

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        """Put done articles published after `published_after` and fetched before
        `fetched_before` back to pending, each at most `max_refetches` times."""

    def pending_counts(self) -> dict[str, int]:
        """Pending items per site."""

    # -- shared jobs (reextract, term indexing) ---------------------------------------
    def open_job(self, kind: str, plan: Plan) -> str | None:
        """The job of `kind` (what is done, over which filter) to take units of: the
        open one, joined; else a new one split by `plan()` (called by one node only);
        None when there is none and `plan` gives nothing.  The DuckDB file (one writer):
        a job of one unit, the whole of it, without calling `plan`."""

    def claim_unit(self, job: str, owner: str, lease_seconds: float) -> WorkUnit | None:
        """The next unit of `job`, leased to `owner` (FOR UPDATE SKIP LOCKED: no unit
        goes to two live owners; the run heartbeat renews the lease, and one not renewed
        within `lease_seconds` lapses back into the pool); None: none free now.  The
        DuckDB file: the whole job once (first = last = None), then None."""

    def units_elsewhere(self, job: str, owner: str) -> int:
        """Units of `job` other owners hold and have not done: done soon, or back in
        the pool when a dead node's lease lapses.  The DuckDB file: 0."""

    def unit_done(self, unit: WorkUnit, run_id: int) -> None:
        """The unit's results are committed: it is done and never handed out again.
        Call it only after that commit, so a crash in between means the unit is done
        again (by someone), never skipped."""

    # -- runs ------------------------------------------------------------------------
    def new_run_id(self) -> int:
        """A run id above every run recorded (milliseconds since 1970 when later)."""

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        """Record the run as 'running'; runs left 'running' by dead processes become
        'interrupted'."""

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        """Record the run's outcome with its per-site rows, lists and counters, in one
        transaction."""

    def set_progress(self, run_id: int, progress: str) -> None:
        """A running run's counts so far (what `newsvault status` shows)."""

    def heartbeat(self, run_id: int) -> None:
        """The run is alive: team mode renews the leases of its claims and units.  The DuckDB
        file: nothing (the run lock's flock dies with the process)."""

    def run_lock(self, command: str) -> AbstractContextManager[HeldLock]:
        """One writing run at a time: held, or LockHeld (exit 75) naming the holder."""

    def discovery(self, site: str) -> AbstractContextManager[bool]:
        """Whether this run pages `site`'s lists now: team mode, one node at a time (the
        others fetch what it finds); the DuckDB file (one writer): always."""

    # -- refusals --------------------------------------------------------------------
    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        """Until when `site` is left alone after a challenge or risk page, and why."""

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        """The text a feed gave for an article (None: no feed carried it)."""

    # -- backfill cursors ------------------------------------------------------------
    def backfill_cursor(self, query: str) -> Cursor | None:
        """How far an archive index query has paged (None: never)."""

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        """One index page's rows (insert-if-absent) and the query's new position, in one
        transaction; returns how many rows were new."""

    def backfill_turn(self, query: str, run_id: int) -> bool:
        """Whether run `run_id` pages the index query now.  Team mode: one run at a time
        (a lease on the cursor row, renewed by the run's heartbeat, lapsing if it dies,
        ended when the query is done or the run ends); False while another holds it.
        The DuckDB file (one writer): always."""

    # -- transactions ----------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        """Everything written inside commits together or not at all; nested uses join
        the outer one."""


class ArchiveData(Protocol):
    """Rows that are added: captures, articles and versions, health, the term index."""

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch"
                      ) -> BatchResult:
        """A batch's captures, bodies (once per sha256) and articles in one transaction.
        An article whose content hash changed keeps its old state in article_versions
        with `reason`; the result says which were new, updated or unchanged."""

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        """One extraction_health row per site of a run (pipeline.extract.health)."""

    def revisits(self, urls: list[str]) -> list[tuple[Any, ...]]:
        """(url, payload digest, WARC record id, fetched at, capture id) of the last
        archived response of each list page, robots.txt and each of `urls`: a capture
        with the same payload is archived as a revisit record."""

    def stored_body(self, sha256: str) -> bytes | None:
        """The raw body kept under `sha256` (warehouse.store_bodies); None: not kept."""

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        """Stored articles to extract again (those of another extractor `version`, or
        all with `everything`), each with the capture it came from, in article id
        order; only ids from `first` to `last` (a work unit's) when given."""

    # -- the term index --------------------------------------------------------------
    def term_rows(self, ids: Sequence[str]) -> list[TermRow]:
        """The stored articles of these ids, in storage order."""

    def write_terms(self, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        """Replace the index of these articles in one transaction; an indexed article
        keeps its doc number, near-duplicates share a cluster (`rule`).  `deltas`: add
        to the daily counts now; otherwise mark their months for `recount_terms`."""

    def recount_terms(self) -> int:
        """Rebuild the daily counts of the marked months, one per transaction; returns
        how many months."""

    def term_status(self, version: str) -> IndexStatus:
        """How many articles are indexed with this version and their current content."""

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        """The vocabulary ids of these terms (those not in it are left out)."""

    # -- transactions ----------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        """Everything written inside commits together or not at all; nested uses join
        the outer one."""


class Store(ControlState, ArchiveData, Protocol):
    """Both, as one writing run holds them."""

    # Called after each committed batch with the ids of its new and updated articles
    # (the term index of pipeline.index.terms.crawl_hook).
    after_store: Callable[[ArchiveData, list[str]], None] | None

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        """write_archive then record_frontier, in one transaction where the backend has
        one; otherwise in that order, so a crash between leaves items pending (fetched
        again), never done without their article."""

    def writing(self, wait: bool = True) -> AbstractContextManager[Store]:
        """The store for one piece of writing (the file attached read-write, or the
        spool).  `wait=False`: WarehouseBusy at once when readers hold the file."""

    def reading(self) -> AbstractContextManager[Store]:
        """The store for one read, beside any other reader."""

    def hold(self) -> AbstractContextManager[Store]:
        """Keep the store attached for a whole job (nested uses join it)."""

    def spooled_to(self) -> str | None:
        """Where this run's work waits for the next run, when readers kept it out of
        the file (None: written to the warehouse)."""

    def close(self) -> None:
        """Let the file (or connection) go."""
