"""TeamStore: team mode's Store (pipeline.store.interfaces), the control state in
PostgreSQL (PgControl) beside an archive (the DuckLake of pipeline.store.team.lake).

    store = TeamStore.open(settings)

A batch is written archive first, then its control rows: a crash between the two leaves
its items leased, so they lapse and are fetched again, and the archive's `articles`
view keeps one row per article; an item is never done without its article. There is no
transaction across the two databases: `transaction()` is one PostgreSQL transaction for
the control rows written inside it, and each archive write is its own DuckLake
transaction. No file is held, so `writing`, `reading` and `hold` are the store itself,
and nothing is ever spooled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pipeline.core.errors import WarehouseError
from pipeline.core.records import Link
from pipeline.store.interfaces import ArchiveData, Plan
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
from pipeline.store.team.control import PgControl, TeamLock

if TYPE_CHECKING:
    from pipeline.config.settings import Settings


class TeamStore:
    def __init__(self, control: PgControl, archive: ArchiveData) -> None:
        self.control = control
        self.archive = archive
        self.after_store: Callable[[ArchiveData, list[str]], None] | None = None
        self._depth = 0
        self._changed: list[str] = []

    @classmethod
    def open(cls, settings: Settings) -> TeamStore:
        from pipeline.store.team.lake import Lake  # the DuckLake half (teamlake)

        control = PgControl.open(settings)
        try:
            return cls(control, Lake.open(settings, ids=control))  # term ids from PostgreSQL
        except BaseException:
            control.close()
            raise

    def close(self) -> None:
        try:
            close = getattr(self.archive, "close", None)
            if close is not None:
                close()
        finally:
            self.control.close()

    # ------------------------------------------------------------------ holding

    @contextmanager
    def writing(self, wait: bool = True) -> Iterator[TeamStore]:
        yield self

    reading = hold = writing

    def spooled_to(self) -> str | None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The control rows written inside commit together; after the outermost, the
        articles changed meanwhile go to `after_store` (the term index)."""
        self._depth += 1
        try:
            with self.control.transaction():
                yield
        finally:
            self._depth -= 1
        if not self._depth:
            self._after_store()

    def _after_store(self) -> None:
        changed, self._changed = self._changed, []
        if changed and self.after_store is not None:
            self.after_store(self, changed)  # the term index asks the store, not the lake

    # ------------------------------------------------------------------ batches

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        """The archive rows, then the control rows (see the module docstring)."""
        result = self.archive.write_archive(batch, run_id, reason)
        self.control.record_frontier(batch, run_id, max_attempts)
        self._changed.extend(aid for aid, state in result.states.items()
                             if state != "unchanged")
        if not self._depth:
            self._after_store()
        return result

    # ------------------------------------------------------------------ ControlState

    def add_links(self, links: Sequence[Link], run_id: int) -> None:
        self.control.add_links(links, run_id)

    def known(self, ids: list[str]) -> set[str]:
        """In the frontier or stored, as in the DuckDB file (warehouse/queries/
        known_ids.sql): an article that came by migrate-to, import-warc or backfill is in
        the archive without a frontier row. The archive is asked only about the ids the
        frontier does not know, usually none or a list page's few new ones."""
        found = self.control.known(ids)
        rest = [i for i in ids if i not in found]
        return found | self._archive("stored_ids")(rest) if rest else found

    def list_seen(self, site: str, list_name: str) -> bool:
        return self.control.list_seen(site, list_name)

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        return self.control.known_before(site, list_name, ids, horizon)

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        """The rule of the DuckDB file's view open_gaps: the runs that stored archived
        captures of the site (which close earlier gaps when they ended ok) come from
        the archive, asked only when the list has a gap no later read closed."""
        gap = self.control.open_gap(site, list_name)
        if gap is None:
            return None
        backfills = self._archive("backfill_runs")(site)
        return self.control.open_gap(site, list_name, backfills) if backfills else gap

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        return self.control.pending(site, limit)

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float) -> list[dict[str, Any]]:
        return self.control.claim(site, owner, limit, lease_seconds)

    def release(self, owner: str) -> None:
        self.control.release(owner)

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        return self.control.claimed_elsewhere(site, owner)

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> None:
        self.control.record_outcomes(done, run_id, max_attempts)

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        self.control.record_frontier(batch, run_id, max_attempts)

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        self.control.requeue_refetch(site, now, fetched_before, published_after,
                                     max_refetches)

    def pending_counts(self) -> dict[str, int]:
        return self.control.pending_counts()

    def open_job(self, kind: str, plan: Plan) -> str | None:
        return self.control.open_job(kind, plan)

    def claim_unit(self, job: str, owner: str, lease_seconds: float) -> WorkUnit | None:
        return self.control.claim_unit(job, owner, lease_seconds)

    def units_elsewhere(self, job: str, owner: str) -> int:
        return self.control.units_elsewhere(job, owner)

    def unit_done(self, unit: WorkUnit, run_id: int) -> None:
        self.control.unit_done(unit, run_id)

    def new_run_id(self) -> int:
        return self.control.new_run_id()

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        self.control.start_run(run_id, sites, host, pid, config_digest, command)

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        self.control.finish_run(run_id, outcome, exit_code, summary, sites, counters,
                                error, error_detail)

    def set_progress(self, run_id: int, progress: str) -> None:
        self.control.set_progress(run_id, progress)

    def heartbeat(self, run_id: int) -> None:
        self.control.heartbeat(run_id)

    def run_lock(self, command: str) -> Any:
        return self.control.run_lock(command)

    def discovery(self, site: str) -> Any:
        return self.control.discovery(site)

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        return self.control.cooldown(site, now)

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        return self.control.feed_item(article_id)

    def backfill_cursor(self, query: str) -> Cursor | None:
        return self.control.backfill_cursor(query)

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        return self.control.save_backfill_page(query, found, position, pages, done, run_id)

    def backfill_turn(self, query: str, run_id: int) -> bool:
        return self.control.backfill_turn(query, run_id)

    # ------------------------------------------------------------------ ArchiveData

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch"
                      ) -> BatchResult:
        return self.archive.write_archive(batch, run_id, reason)

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        self.archive.write_health(run_id, rows)

    def revisits(self, urls: list[str]) -> list[tuple[Any, ...]]:
        return self.archive.revisits(urls)

    def stored_body(self, sha256: str) -> bytes | None:
        return self._archive("stored_body")(sha256)

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        return self._archive("reextract_candidates")(site, since, everything, version,
                                                     first, last)

    def term_rows(self, ids: Sequence[str]) -> list[TermRow]:
        return self._archive("term_rows")(ids)

    def write_terms(self, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        self._archive("write_terms")(rows, seg, version, rule, deltas)

    def recount_terms(self) -> int:
        return self._archive("recount_terms")()

    def term_status(self, version: str) -> IndexStatus:
        return self._archive("term_status")(version)

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        return self._archive("term_ids")(terms)

    def term_todo(self, version: str, rebuild: bool = False, first: str | None = None,
                  last: str | None = None) -> list[str]:
        """The ids of the articles to (re)index (laketerms.LakeTerms.term_todo)."""
        return self._archive("term_todo")(version, rebuild, first, last)

    def _archive(self, name: str) -> Callable[..., Any]:
        """The archive's own method, or a clear error for what team mode cannot do yet."""
        method = getattr(self.archive, name, None)
        if method is None:
            raise WarehouseError(f"team mode cannot do this yet ({name}); use a DuckDB "
                                 "file warehouse for it")
        return method


__all__ = ["TeamLock", "TeamStore"]
