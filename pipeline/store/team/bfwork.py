"""Backfill work in PostgreSQL (team schema version 5): leases on index queries and on
the units of work (an archived list page, an id to look up, an article to read).

Functions over one psycopg connection; the caller (PgControl, TeamBackfill) holds the
transaction.  A unit is claimed `FOR UPDATE SKIP LOCKED` (nodes claiming at once skip
each other's rows), leased to a run until `lease_until` (its heartbeat renews it) and
handed to a run once.  Whether a unit has work left is derived, as the DuckDB file
derives it from its captures: from `backfill_reads` (what became of each record read,
written with the control rows of the batch that committed it to the lake), the index
rows and `backfill_ids`.  A run gives a unit back once its outcome is committed
(`finish`), at its end (`release`), or by dying (the lease lapses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.core.records import Link
from pipeline.store.records import CaptureRow

W = "nv_ctl.backfill_work"
NOW = "clock_timestamp()"
LEASE = "clock_timestamp() + make_interval(secs => %(ttl)s)"
FREE = "(w.lease_run IS NULL OR w.lease_until <= clock_timestamp())"
BLOCKED = "blocked|anti-bot|risk-control|challenge|captcha|refused|http-403|http 403"

# Work left per kind (the file's backfill_lists, backfill_lookups, backfill_next_ids).
LEFT = {
    "article": """EXISTS (SELECT 1 FROM nv_ctl.backfill_index i
                   LEFT JOIN nv_ctl.backfill_reads r ON r.via = i.via
                   WHERE i.article_id = w.key AND i.archive = ANY(%(archives)s)
                     AND (%(refresh)s OR NOT coalesce(r.final, false))
                     AND coalesce(r.failures, 0) < %(max)s)
                 AND (NOT %(refused)s OR w.key = ANY(%(only)s))""",
    "list": """w.key IN (SELECT DISTINCT ON (regexp_replace(i.url, '^https?://(www\\.)?', ''),
                                             (i.captured_at AT TIME ZONE %(tz)s)::date) i.via
                         FROM nv_ctl.backfill_index i
                         WHERE i.kind = 'list' AND i.site = ANY(%(sites)s)
                           AND i.archive = ANY(%(archives)s)
                         ORDER BY regexp_replace(i.url, '^https?://(www\\.)?', ''),
                                  (i.captured_at AT TIME ZONE %(tz)s)::date,
                                  i.archive DESC, i.via)
               AND NOT EXISTS (SELECT 1 FROM nv_ctl.backfill_reads r WHERE r.via = w.key
                               AND (r.final OR r.failures >= %(max)s))""",
    "lookup": """EXISTS (SELECT 1 FROM nv_ctl.backfill_ids b WHERE b.article_id = w.key
                         AND NOT b.looked_up)
                 AND NOT EXISTS (SELECT 1 FROM nv_ctl.backfill_index i
                                 WHERE i.article_id = w.key)""",
}
CLAIM = f"""
WITH picked AS (
    SELECT w.kind, w.key FROM {W} w
    WHERE w.kind = %(kind)s AND w.key > %(after)s AND w.site = ANY(%(sites)s) AND {FREE}
      AND w.tried_run IS DISTINCT FROM %(run)s AND ({{left}})
    ORDER BY w.key LIMIT %(limit)s FOR UPDATE OF w SKIP LOCKED)
UPDATE {W} AS w SET lease_run = %(run)s, lease_until = {LEASE}, tried_run = %(run)s,
       leases = w.leases + 1
FROM picked WHERE w.kind = picked.kind AND w.key = picked.key
RETURNING w.key
"""


def claim(con: psycopg.Connection, kind: str, run_id: int, ttl: float, limit: int,
          params: dict[str, Any], after: str = "") -> list[str]:
    """Up to `limit` units of `kind` with work left after key `after`, leased to
    `run_id`, in key order.  `params`: sites, archives, max (attempts), refresh, refused,
    only (the refused ids), tz (the day of a list capture)."""
    rows = con.execute(CLAIM.format(left=LEFT[kind]),
                       {"kind": kind, "run": run_id, "ttl": ttl, "limit": limit,
                        "after": after, **params}).fetchall()
    return sorted(r[0] for r in rows)


def held_elsewhere(con: psycopg.Connection, kind: str, run_id: int,
                   params: dict[str, Any]) -> int:
    """Units of `kind` other runs hold: live leases, and lapsed ones with work left (a
    dead run's, claimable once they lapse; a lapsed one with nothing left holds no one
    up).  `params` as for `claim`."""
    row = con.execute(f"SELECT count(*) FROM {W} w WHERE w.kind = %(kind)s "
                      "AND w.site = ANY(%(sites)s) AND w.lease_run <> %(run)s "
                      f"AND (w.lease_until > clock_timestamp() OR ({LEFT[kind]}))",
                      {"kind": kind, "run": run_id, **params}).fetchone()
    return int(row[0]) if row else 0


def claim_query(con: psycopg.Connection, query: str, run_id: int, ttl: float) -> bool:
    """Whether `run_id` may page the index query now: nobody else holds it (or the
    holder's lease lapsed); it is then the run's until done, released or lapsed."""
    row = con.execute(
        "INSERT INTO nv_ctl.backfill_cursor AS c (query, done, lease_run, lease_until) "
        f"VALUES (%(query)s, false, %(run)s, {LEASE}) ON CONFLICT (query) DO UPDATE "
        "SET lease_run = excluded.lease_run, lease_until = excluded.lease_until "
        "WHERE c.lease_run IS NULL OR c.lease_run = excluded.lease_run "
        "OR c.lease_until <= clock_timestamp() RETURNING c.done",
        {"query": query, "run": run_id, "ttl": ttl}).fetchone()
    return row is not None


# ------------------------------------------------------------------ adding work

def add_index_work(con: psycopg.Connection, found: Sequence[Any]) -> None:
    """Units for an index page's rows: an article per id, a list page per via."""
    units = sorted({("list", f.row.via, f.site) if f.kind == "list"
                    else ("article", f.article_id, f.site) for f in found
                    if f.kind == "list" or f.article_id})
    _add_units(con, units)


def sync_work(con: psycopg.Connection) -> None:
    """Units for index rows and ids that have none (rows from before schema version 5,
    or moved from a file archive by migrate-to)."""
    con.execute(f"INSERT INTO {W} (kind, key, site) "
                "SELECT DISTINCT CASE WHEN kind = 'list' THEN 'list' ELSE 'article' END, "
                "CASE WHEN kind = 'list' THEN via ELSE article_id END, site "
                "FROM nv_ctl.backfill_index WHERE kind = 'list' OR article_id IS NOT NULL "
                "ON CONFLICT DO NOTHING")
    con.execute(f"INSERT INTO {W} (kind, key, site) SELECT 'lookup', article_id, site "
                "FROM nv_ctl.backfill_ids ON CONFLICT DO NOTHING")


def add_ids(con: psycopg.Connection, links: Sequence[Link],
            published: dict[str, dt.datetime | None]) -> None:
    """Ids an archived list (or a refusal) named, each once, each a unit to look up."""
    if not links:
        return
    con.execute(
        "INSERT INTO nv_ctl.backfill_ids (article_id, site, kind, url, title, published_at) "
        "SELECT DISTINCT ON (x.a) x.* FROM unnest(%(a)s::text[], %(s)s::text[], "
        "%(k)s::text[], %(u)s::text[], %(t)s::text[], %(p)s::timestamptz[]) AS x(a, s, k, u, "
        "t, p) ORDER BY x.a ON CONFLICT DO NOTHING",
        {"a": [ln.article_id for ln in links], "s": [ln.site for ln in links],
         "k": [ln.kind for ln in links], "u": [ln.url for ln in links],
         "t": [ln.title for ln in links],
         "p": [published.get(ln.article_id) for ln in links]})
    _add_units(con, sorted({("lookup", ln.article_id, ln.site) for ln in links}))


def _add_units(con: psycopg.Connection, units: list[tuple[str, str, str]]) -> None:
    if units:
        con.execute(f"INSERT INTO {W} (kind, key, site) SELECT * FROM unnest(%s::text[], "
                    "%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
                    [[u[0] for u in units], [u[1] for u in units], [u[2] for u in units]])


# ------------------------------------------------------------------ outcomes

def record_reads(con: psycopg.Connection, captures: Sequence[CaptureRow]) -> None:
    """What became of the archived records a batch read (its captures with a `via`): a
    commit or a refusal is final, any other error one failure more."""
    reads: dict[str, tuple[str, bool, int]] = {}
    for c in captures:
        if c.via and c.purpose in ("backfill", "backfill-list"):
            final = c.error is None or c.error.startswith("refused-")
            _, was_final, failures = reads.get(c.via, (c.purpose, False, 0))
            reads[c.via] = (c.purpose, was_final or final, failures + (not final))
    if not reads:
        return
    vias = sorted(reads)
    con.execute(
        "INSERT INTO nv_ctl.backfill_reads AS r (via, purpose, final, failures) "
        "SELECT * FROM unnest(%s::text[], %s::text[], %s::boolean[], %s::integer[]) "
        "ON CONFLICT (via) DO UPDATE SET final = r.final OR excluded.final, "
        "failures = r.failures + excluded.failures, updated_at = clock_timestamp()",
        [vias, [reads[v][0] for v in vias], [reads[v][1] for v in vias],
         [reads[v][2] for v in vias]])
    lists = [v for v in vias if reads[v][0] == "backfill-list"]
    finish(con, [("list", v) for v in lists], None)


def finish(con: psycopg.Connection, units: Sequence[tuple[str, str]],
           run_id: int | None) -> None:
    """Units whose outcome is committed: their leases end (of `run_id`; None: whoever's
    lease it is).  The run that tried them does not take them again."""
    if units:
        con.execute(f"UPDATE {W} SET lease_run = NULL, lease_until = NULL "
                    "WHERE (kind, key) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
                    "AND (%s::bigint IS NULL OR lease_run = %s)",
                    [[u[0] for u in units], [u[1] for u in units], run_id, run_id])


def looked_up(con: psycopg.Connection, ids: Sequence[str], run_id: int) -> None:
    if ids:
        con.execute("UPDATE nv_ctl.backfill_ids SET looked_up = true "
                    "WHERE article_id = ANY(%s)", [list(ids)])
        finish(con, [("lookup", i) for i in ids], run_id)


def renew(con: psycopg.Connection, run_id: int, lease_seconds: float) -> None:
    """Push back the expiry of the run's leases on queries and units."""
    # rows the run's own main thread has locked (finishing or claiming them) are skipped,
    # not waited for: the heartbeat never deadlocks with its run, and they get a fresh
    # lease or none anyway
    for table, key in (("nv_ctl.backfill_cursor", "query"), (W, "kind, key")):
        con.execute(f"UPDATE {table} SET lease_until = clock_timestamp() + "
                    f"make_interval(secs => %s) WHERE ({key}) IN (SELECT {key} FROM {table} "
                    "WHERE lease_run = %s FOR UPDATE SKIP LOCKED)", [lease_seconds, run_id])


def release(con: psycopg.Connection, runs: Sequence[int]) -> None:
    """The runs' leases given back at once (a run's end, a dead run found)."""
    for table in ("nv_ctl.backfill_cursor", W):
        con.execute(f"UPDATE {table} SET lease_run = NULL, lease_until = NULL "
                    "WHERE lease_run = ANY(%s)", [list(runs)])


# ------------------------------------------------------------------ reading units

def index_rows(con: psycopg.Connection, ids: Sequence[str], archives: Sequence[str],
               refresh: bool, max_attempts: int) -> list[dict[str, Any]]:
    """The captures of these article ids still to try, with the time a list showed them
    (`listed`): none read with a final outcome (unless `refresh`), none failed
    `max_attempts` times."""
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT i.article_id, i.site, i.kind, i.url, i.archive, i.captured_at, i.via, "
            "i.filename, i.\"offset\", i.length, (SELECT min(t) FROM (SELECT f.listed_at "
            "FROM nv_ctl.frontier f WHERE f.article_id = i.article_id UNION ALL "
            "SELECT b.published_at FROM nv_ctl.backfill_ids b "
            "WHERE b.article_id = i.article_id) AS x(t)) AS listed "
            "FROM nv_ctl.backfill_index i LEFT JOIN nv_ctl.backfill_reads r USING (via) "
            "WHERE i.article_id = ANY(%(ids)s) AND i.archive = ANY(%(archives)s) "
            "AND (%(refresh)s OR NOT coalesce(r.final, false)) "
            "AND coalesce(r.failures, 0) < %(max)s ORDER BY i.article_id, i.via",
            {"ids": list(ids), "archives": list(archives), "refresh": refresh,
             "max": max_attempts}).fetchall()


def list_rows(con: psycopg.Connection, vias: Sequence[str]) -> list[dict[str, Any]]:
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT site, url, archive, captured_at, via, filename, "
                           "\"offset\", length FROM nv_ctl.backfill_index "
                           "WHERE via = ANY(%s) ORDER BY via", [list(vias)]).fetchall()


def lookup_rows(con: psycopg.Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT article_id, site, kind, url, published_at "
                           "FROM nv_ctl.backfill_ids WHERE article_id = ANY(%s) "
                           "ORDER BY article_id", [list(ids)]).fetchall()


def refused_frontier(con: psycopg.Connection, sites: Sequence[str]) -> list[tuple[Any, ...]]:
    """(article_id, site, kind, url, title, listed_at) of listed items whose page was a
    block or challenge page (or a 403) and that are not done."""
    return con.execute(
        "SELECT article_id, site, kind, url, title, listed_at FROM nv_ctl.frontier "
        "WHERE state <> 'done' AND site = ANY(%s) AND lower(coalesce(last_error, '')) ~ %s "
        "ORDER BY article_id", [list(sites), BLOCKED]).fetchall()


def count_articles(con: psycopg.Connection, params: dict[str, Any]) -> int:
    """Article units with work left (stored ones included: the lake says which)."""
    row = con.execute(f"SELECT count(*) FROM {W} w WHERE w.kind = 'article' "
                      f"AND w.site = ANY(%(sites)s) AND ({LEFT['article']})",
                      params).fetchone()
    return int(row[0]) if row else 0
