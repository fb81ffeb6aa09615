"""The DuckDB file's control rows: frontier, claims, lists, cooldowns, feed items,
backfill cursors (pipeline.store.interfaces.ControlState, without the runs)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pipeline.core.records import Link, utcnow
from pipeline.store.queries import sql_text
from pipeline.store.records import LISTS_SCHEMA, Batch, Cursor, Found
from pipeline.store.session import Session
from pipeline.store.workunits import OneUnit


class Frontier(Session, OneUnit):
    # reads ---------------------------------------------------------------------------
    def known(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        return {row[0] for row in self.query("known_ids", {"ids": ids})}

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        return self.records("pending", {"site": site, "limit": limit})

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float) -> list[dict[str, Any]]:
        """One writer holds the file (and the run lock): its pending items are its own."""
        return self.pending(site, limit)

    def release(self, owner: str) -> None:
        """Nothing is leased in the DuckDB file."""

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        """One writer: nobody else holds a claim."""
        return 0

    def list_seen(self, site: str, list_name: str) -> bool:
        if not self._lists_recorded():
            row = self.con.execute(
                "SELECT count(*) FROM frontier WHERE site = ? AND list_name = ?",
                [site, list_name]).fetchone()
            return bool(row and row[0])
        rows = self.query("list_seen", {"site": site, "list_name": list_name})
        return bool(rows and rows[0][0])

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        """Which of `ids` this list showed before run `horizon`."""
        if not ids:
            return set()
        if not self._lists_recorded():  # a reader of a schema before 0008 (spooling)
            return self.known(ids)
        return {row[0] for row in self.query("known_before", {
            "site": site, "list_name": list_name, "ids": ids, "horizon": horizon})}

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        """The run of the list's oldest possible gap not closed yet and the cursor where
        paging over it last stopped short (None: from the top); None without a gap."""
        if not self._lists_recorded():
            return None
        rows = self.query("open_gap", {"site": site, "list_name": list_name})
        if not rows or rows[0][0] is None:
            return None
        run_id, resume = rows[0]
        cursor = json.loads(resume) if resume else None
        return int(run_id), cursor if isinstance(cursor, dict) else None

    def _lists_recorded(self) -> bool:
        """Whether the schema has list_items and run_lists (migration 0008)."""
        if self._lists is None:
            self._lists = self.schema_version() >= LISTS_SCHEMA
        return self._lists

    def pending_counts(self) -> dict[str, int]:
        return {site: int(n) for site, n in self.query("pending_counts")}

    def pending_sites(self) -> dict[str, str]:
        """article_id -> site of every pending item."""
        return dict(self.con.execute(
            "SELECT article_id, site FROM frontier WHERE state = 'pending'").fetchall())

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        """Until when `site` is left alone after a challenge or risk page, and why."""
        rows = self.query("cooldown", {"site": site, "now": now})
        return (rows[0][0], rows[0][1] or "") if rows else None

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        """The text a feed gave for an article (None: no feed carried it)."""
        rows = self.records("feed_item", {"article_id": article_id})
        return rows[0] if rows else None

    # writes --------------------------------------------------------------------------
    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        self._transaction(lambda: self.con.execute(sql_text("requeue_refetch"), {
            "site": site, "now": now, "fetched_before": fetched_before,
            "published_after": published_after, "max_refetches": max_refetches}))

    def add_links(self, links: Sequence[Link], run_id: int) -> None:
        self.record_frontier(Batch(links=list(links)), run_id, 1)

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> None:
        self.record_frontier(Batch(done=list(done)), run_id, max_attempts)

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        if batch.links or batch.listed or batch.feeds or batch.cooldowns or batch.done:
            self.run_script("stage")
            self._transaction(lambda: self._frontier_rows(batch, run_id, max_attempts,
                                                          utcnow()))

    def _frontier_rows(self, batch: Batch, run_id: int, max_attempts: int,
                       now: dt.datetime) -> None:
        """The batch's control rows, into the staging tables of stage.sql, then merged."""
        if batch.links:
            self.con.executemany(
                "INSERT INTO staged_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[ln.article_id, ln.site, ln.kind, ln.url, ln.list_name, ln.title,
                  ln.published_at, "done" if ln.record is not None else "pending"]
                 for ln in batch.links])
            self.con.execute(sql_text("add_links"), {"now": now, "run_id": run_id})
        if batch.listed:
            self.con.executemany("INSERT INTO staged_listed VALUES (?, ?, ?)",
                                 [list(x) for x in batch.listed])
            self.con.execute(sql_text("add_listed"), {"run_id": run_id})
        if batch.feeds:  # feed texts kept for refused pages (migration 0009)
            self.con.executemany(
                "INSERT INTO staged_feed VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[ln.article_id, ln.site, ln.list_name, ln.url, ln.title, ln.published_at,
                  ln.feed_text, capture_id] for ln, capture_id in batch.feeds])
            self.con.execute(sql_text("add_feed_items"), {"now": now})
        if batch.cooldowns:
            self.con.executemany(
                "INSERT INTO site_cooldowns (site, since, until, reason, run_id) "
                "VALUES (?, ?, ?, ?, ?)", [[*c, run_id] for c in batch.cooldowns])
        if batch.done:
            self.con.executemany("INSERT INTO staged_done VALUES (?, ?, ?)",
                                 [list(d) for d in batch.done])
            self.con.execute(sql_text("mark_frontier"),
                             {"now": now, "max_attempts": max_attempts})

    # backfill cursors (migration 0010) -----------------------------------------------
    def backfill_cursor(self, query: str) -> Cursor | None:
        row = self.con.execute("SELECT position, pages, done FROM backfill_cursor "
                               "WHERE query = $query", {"query": query}).fetchone()
        return Cursor(row[0], row[1], bool(row[2])) if row else None

    def backfill_turn(self, query: str, run_id: int) -> bool:
        return True  # one writer pages everything

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        before = self._index_rows()
        with self.transaction():
            if found:
                rows = [f.row for f in found]
                self.con.execute(sql_text("backfill_add_index"), {
                    "archive": [r.archive for r in rows], "site": [f.site for f in found],
                    "article_id": [f.article_id for f in found],
                    "kind": [f.kind for f in found], "url": [r.url for r in rows],
                    "captured_at": [r.captured_at for r in rows], "via": [r.via for r in rows],
                    "filename": [r.filename for r in rows], "offset": [r.offset for r in rows],
                    "length": [r.length for r in rows], "digest": [r.digest for r in rows],
                    "run_id": run_id})
            self.run_script("backfill_save_cursor", {
                "query": query, "position": position, "pages": pages, "done": done,
                "now": utcnow()})
        return self._index_rows() - before

    def _index_rows(self) -> int:
        row = self.con.execute("SELECT count(*) FROM backfill_index").fetchone()
        return int(row[0]) if row else 0
