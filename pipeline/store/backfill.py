"""The backfill's tables (migration 0010), asked through small methods.

    backfill_index    rows of the archives' URL indexes (one per capture, by `via`)
    backfill_cursor   how far each index query has paged
    backfill_ids      ids named by archived lists or refused pages, looked up once

What has been read is not kept here: a capture row with `via` (captures.via) is the
record of it, committed with the article it produced, so "read already" and "stored
already" can never disagree.  SQL lives in warehouse/queries/backfill_*.sql.

Team mode has its own (pipeline.store.team.bfstore.TeamBackfill: the same methods, its
work leased to the run); `open_backfill` gives a run the one its warehouse needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import duckdb

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseError
from pipeline.core.records import Link, utcnow
from pipeline.store.brief import BriefWarehouse
from pipeline.store.interfaces import Store
from pipeline.store.queries import sql_text
from pipeline.store.records import Cursor, Found
from pipeline.store.warehouse import Warehouse

if TYPE_CHECKING:
    from pipeline.store.team.bfstore import TeamBackfill


def open_backfill(warehouse: Store, run_id: int, settings: Settings, chunk: int
                  ) -> BackfillStore | TeamBackfill:
    """The backfill's store of a run: on the DuckDB file, or in team mode the leased
    one (pipeline.store.team.bfstore.TeamBackfill, the same methods) whose generators
    hand out `chunk` units at a time and yield an empty chunk while others hold work."""
    if settings.team_mode():
        from pipeline.store.team.bfstore import TeamBackfill
        from pipeline.store.team.store import TeamStore  # psycopg: team mode only

        assert isinstance(warehouse, TeamStore)
        return TeamBackfill(warehouse, run_id, settings, chunk)
    return BackfillStore(warehouse)


class BackfillStore:
    """The backfill's tables on the warehouse a run holds: cursors through the
    interface (ControlState), the rest on the DuckDB file (a Warehouse, or a
    BriefWarehouse inside `hold()`)."""

    def __init__(self, warehouse: Store) -> None:
        self.warehouse = warehouse

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if not isinstance(self.warehouse, Warehouse | BriefWarehouse):
            raise WarehouseError("the backfill's lists and lookups need the DuckDB warehouse")
        return self.warehouse.attached().con

    # index paging -------------------------------------------------------------------
    def cursor(self, query: str) -> Cursor | None:
        return self.warehouse.backfill_cursor(query)

    def turn(self, query: str) -> bool:
        """Whether this run pages the index query now (one writer: always)."""
        return True

    def save_page(self, query: str, found: list[Found], position: str | None,
                  pages: int | None, done: bool, run_id: int) -> int:
        """One index page's rows and the query's new position, in one transaction;
        returns how many rows were new."""
        return self.warehouse.save_backfill_page(query, found, position, pages, done, run_id)

    # listed ids ---------------------------------------------------------------------
    def add_ids(self, links: list[Link], published: dict[str, dt.datetime | None]) -> None:
        if not links:
            return
        with self.warehouse.transaction():
            self.con.execute(sql_text("backfill_add_ids"), {
                "article_id": [ln.article_id for ln in links], "site": [ln.site for ln in links],
                "kind": [ln.kind for ln in links], "url": [ln.url for ln in links],
                "title": [ln.title for ln in links],
                "published_at": [published.get(ln.article_id) for ln in links],
                "now": utcnow()})

    def refused(self, sites: list[str]) -> list[tuple[Any, ...]]:
        """(article_id, site, kind, url, title, published_at) of what the sites refused."""
        return self.con.execute(sql_text("backfill_refused_ids"), {"sites": sites}).fetchall()

    def lookups(self, sites: list[str], refresh: bool, chunk: int = 200
                ) -> Iterator[list[dict[str, Any]]]:
        yield from self._chunks("backfill_lookups", {"sites": sites, "refresh": refresh},
                                "article_id", chunk)

    def looked_up(self, ids: list[str]) -> None:
        if ids:
            with self.warehouse.transaction():
                self.con.execute("UPDATE backfill_ids SET looked_up = true "
                                 "WHERE article_id IN (SELECT unnest($ids))", {"ids": ids})

    def stored(self, ids: list[str]) -> set[str]:
        """Which of the ids are stored as articles (from a page, not feed text only)."""
        if not ids:
            return set()
        return {r[0] for r in self.con.execute(
            "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest($ids)) "
            "AND coalesce(status, 'ok') <> 'feed'", {"ids": ids}).fetchall()}

    # work ----------------------------------------------------------------------------
    def lists(self, sites: list[str], archives: list[str], max_attempts: int,
              chunk: int = 200) -> Iterator[list[dict[str, Any]]]:
        yield from self._chunks("backfill_lists", {"sites": sites, "archives": archives,
                                                   "max_attempts": max_attempts}, "via", chunk)

    def articles(self, sites: list[str], archives: list[str], *, refresh: bool, refused: bool,
                 max_attempts: int, candidates: int, chunk: int = 200
                 ) -> Iterator[list[dict[str, Any]]]:
        """Chunks of article ids, each with its captures to try, best first (in windows
        of ids, so DuckDB never holds every capture at once)."""
        after = ""
        pick = {"sites": sites, "archives": archives, "refresh": refresh, "refused": refused}
        choose = {"archives": archives, "refresh": refresh, "max_attempts": max_attempts,
                  "candidates": candidates}
        while True:
            ids = [r[0] for r in self.con.execute(sql_text("backfill_next_ids"), {
                **pick, "after": after, "chunk": chunk}).fetchall()]
            if not ids:
                return
            cursor = self.con.execute(sql_text("backfill_next"), {**choose, "ids": ids})
            names = [d[0] for d in cursor.description]
            found = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            if found:
                yield found
            after = ids[-1]

    def count_articles(self, sites: list[str], archives: list[str], *, refresh: bool,
                       refused: bool) -> int:
        row = self.con.execute(sql_text("backfill_count"), {
            "sites": sites, "archives": archives, "refresh": refresh,
            "refused": refused}).fetchone()
        return int(row[0]) if row else 0

    def _chunks(self, name: str, params: dict[str, Any], key: str, chunk: int
                ) -> Iterator[list[dict[str, Any]]]:
        """Keyset paging: each chunk starts after the last key of the one before, so rows
        the caller stores meanwhile neither repeat nor shift the rest."""
        after = ""
        sql = sql_text(name)
        while True:
            cursor = self.con.execute(sql, {**params, "after": after, "chunk": chunk})
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            if not rows:
                return
            yield rows
            after = rows[-1][key]
