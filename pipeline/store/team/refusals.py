"""Cooldowns, feed texts and backfill cursors in PostgreSQL (0009 and 0010, with keys;
the backfill's leases in pipeline.store.team.bfwork)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.core.records import Link
from pipeline.store.team import bfwork


def cooldown(con: psycopg.Connection, site: str, now: dt.datetime
             ) -> tuple[dt.datetime, str] | None:
    """Until when `site` is left alone, and why (None: it is not cooling down)."""
    row = con.execute("SELECT until, reason FROM nv_ctl.site_cooldowns WHERE site = %s "
                      "AND until > %s ORDER BY since DESC LIMIT 1", [site, now]).fetchone()
    return (row[0], row[1] or "") if row else None


def add_cooldowns(con: psycopg.Connection,
                  cooldowns: Sequence[tuple[str, dt.datetime, dt.datetime, str]],
                  run_id: int) -> None:
    if cooldowns:
        with con.cursor() as cur:
            cur.executemany("INSERT INTO nv_ctl.site_cooldowns (site, since, until, reason, "
                            "run_id) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            [[*c, run_id] for c in cooldowns])


def add_feed_items(con: psycopg.Connection, feeds: Sequence[tuple[Link, int | None]]) -> None:
    """Feed items with their full text, once per article."""
    if feeds:
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO nv_ctl.feed_items (article_id, site, list_name, url, title, "
                "published_at, content, capture_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [[ln.article_id, ln.site, ln.list_name, ln.url, ln.title,
                  ln.published_at or None, ln.feed_text, capture_id]
                 for ln, capture_id in feeds])


def feed_item(con: psycopg.Connection, article_id: str) -> dict[str, Any] | None:
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT url, title, published_at, content, capture_id, list_name "
                           "FROM nv_ctl.feed_items WHERE article_id = %s",
                           [article_id]).fetchone()


# ------------------------------------------------------------------- backfill cursors

def backfill_cursor(con: psycopg.Connection, query: str) -> tuple[str | None, int | None,
                                                                    bool] | None:
    row = con.execute("SELECT position, pages, done FROM nv_ctl.backfill_cursor "
                      "WHERE query = %s", [query]).fetchone()
    return (row[0], row[1], bool(row[2])) if row else None


def save_backfill_page(con: psycopg.Connection, query: str, found: Sequence[Any],
                       position: str | None, pages: int | None, done: bool,
                       run_id: int) -> int:
    """One index page's rows, each capture once (by `via`), and the query's position."""
    new = 0
    if found:
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO nv_ctl.backfill_index (via, archive, site, article_id, kind, url, "
                "captured_at, filename, \"offset\", length, digest, found_run) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [[f.row.via, f.row.archive, f.site, f.article_id, f.kind, f.row.url,
                  f.row.captured_at, f.row.filename, f.row.offset, f.row.length,
                  f.row.digest, run_id] for f in found])
            new = max(cur.rowcount, 0)
        bfwork.add_index_work(con, found)
    # the position moves only under the run's own lease (or none: a look-up's query);
    # a query done is let go
    con.execute("INSERT INTO nv_ctl.backfill_cursor AS c (query, position, pages, done) "
                "VALUES (%(q)s, %(p)s, %(n)s, %(d)s) ON CONFLICT (query) DO UPDATE SET "
                "position = excluded.position, pages = excluded.pages, done = excluded.done, "
                "updated_at = clock_timestamp(), "
                "lease_run = CASE WHEN excluded.done THEN NULL ELSE c.lease_run END, "
                "lease_until = CASE WHEN excluded.done THEN NULL ELSE c.lease_until END "
                "WHERE c.lease_run IS NULL OR c.lease_run = %(run)s "
                "OR c.lease_until <= clock_timestamp()",
                {"q": query, "p": position, "n": pages, "d": done, "run": run_id})
    return new
