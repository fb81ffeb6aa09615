"""The frontier in PostgreSQL: insert-if-absent discovery, leases, outcomes by key.

Functions over one psycopg connection; the caller (PgControl) holds the transaction.
Claiming takes rows `FOR UPDATE SKIP LOCKED`, so nodes claiming at once skip each
other's rows instead of waiting or taking them twice; a lease not renewed by its run's
heartbeat lapses at `lease_until` and the item can be claimed again, and the leases of a
run found dead are released at once (pipeline.store.team.runs.interrupt_dead).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pipeline.core.records import Link

F = "nv_ctl.frontier"
# The claim order of warehouse/queries/pending.sql: new before re-fetches, oldest first.
ORDER = "refetches, discovered_at, listed_at NULLS LAST, article_id"
ITEM = "article_id, url, kind, list_name, title, attempts, refetches"
CLAIMABLE = ("(state = 'pending' OR (state = 'leased' AND lease_until <= clock_timestamp()))")


def add_links(con: psycopg.Connection, links: Sequence[Link], run_id: int | None) -> list[str]:
    """New list items join the frontier once (ON CONFLICT DO NOTHING); items complete on
    the list (newsflashes) enter as done. Returns the ids that were new."""
    if not links:
        return []
    links = sorted(links, key=lambda ln: ln.article_id)  # nodes inserting alike: one order
    rows = con.execute(
        f"INSERT INTO {F} (article_id, site, kind, url, list_name, title, listed_at, state, "
        "discovered_run, fetched_at) "
        "SELECT l.*, %(run)s, CASE WHEN l.state = 'done' THEN clock_timestamp() END "
        "FROM unnest(%(ids)s::text[], %(sites)s::text[], %(kinds)s::text[], %(urls)s::text[], "
        "%(lists)s::text[], %(titles)s::text[], %(listed)s::timestamptz[], %(states)s::text[]) "
        "AS l(article_id, site, kind, url, list_name, title, listed_at, state) "
        "ON CONFLICT (article_id) DO NOTHING RETURNING article_id",
        {"run": run_id, "ids": [ln.article_id for ln in links],
         "sites": [ln.site for ln in links], "kinds": [ln.kind for ln in links],
         "urls": [ln.url for ln in links], "lists": [ln.list_name for ln in links],
         "titles": [ln.title for ln in links],
         "listed": [ln.published_at or None for ln in links],
         "states": ["done" if ln.record is not None else "pending" for ln in links]})
    return [row[0] for row in rows]


def add_listed(con: psycopg.Connection, listed: Sequence[tuple[str, str, str]],
               run_id: int) -> None:
    """What each list showed, once per list and item: (site, list_name, article_id)."""
    if listed:
        con.execute(
            "INSERT INTO nv_ctl.list_items (site, list_name, article_id, first_run) "
            "SELECT s, l, a, %(run)s FROM unnest(%(s)s::text[], %(l)s::text[], %(a)s::text[]) "
            "AS x(s, l, a) ON CONFLICT DO NOTHING",
            {"run": run_id, "s": [x[0] for x in listed], "l": [x[1] for x in listed],
             "a": [x[2] for x in listed]})


def known(con: psycopg.Connection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return {r[0] for r in con.execute(
        f"SELECT article_id FROM {F} WHERE article_id = ANY(%s)", [ids])}


def list_seen(con: psycopg.Connection, site: str, list_name: str) -> bool:
    row = con.execute("SELECT EXISTS (SELECT 1 FROM nv_ctl.list_items WHERE site = %s "
                      "AND list_name = %s)", [site, list_name]).fetchone()
    return bool(row and row[0])


def known_before(con: psycopg.Connection, site: str, list_name: str, ids: list[str],
                 horizon: int) -> set[str]:
    if not ids:
        return set()
    return {r[0] for r in con.execute(
        "SELECT article_id FROM nv_ctl.list_items WHERE site = %s AND list_name = %s "
        "AND first_run < %s AND article_id = ANY(%s)", [site, list_name, horizon, ids])}


OPEN_GAP = """
SELECT g.run_id,
       (SELECT r.resume FROM nv_ctl.run_lists r
        WHERE r.site = %(site)s AND r.list_name = %(list)s AND r.run_id >= g.run_id
          AND r.resume IS NOT NULL ORDER BY r.run_id DESC LIMIT 1)
FROM (SELECT min(g.run_id) AS run_id FROM nv_ctl.run_lists g
      WHERE g.site = %(site)s AND g.list_name = %(list)s AND g.possible_gap
        AND NOT EXISTS (SELECT 1 FROM nv_ctl.run_lists c
                        WHERE c.site = g.site AND c.list_name = g.list_name
                          AND c.run_id > g.run_id AND c.reached_known
                          AND c.horizon_run <= g.run_id)
        AND NOT EXISTS (SELECT 1 FROM nv_ctl.runs b
                        WHERE b.run_id = ANY(%(backfills)s) AND b.outcome = 'ok'
                          AND b.run_id > g.run_id)) g
WHERE g.run_id IS NOT NULL
"""


def open_gap(con: psycopg.Connection, site: str, list_name: str,
             backfills: Sequence[int] = ()) -> tuple[int, dict | None] | None:
    """The list's oldest gap not closed and where paging over it last stopped short:
    the rule of the DuckDB file's view open_gaps (warehouse/migrations/0008). A gap is
    closed by a later run of the list that read back to items it showed before the gap,
    or by a later successful run that stored archived captures of the site
    (captures.purpose 'backfill'): `backfills` are the runs that stored such captures
    (the archive's captures are in the lake, the runs' outcomes here)."""
    row = con.execute(OPEN_GAP, {"site": site, "list": list_name,
                                 "backfills": list(backfills)}).fetchone()
    if not row:
        return None
    cursor = json.loads(row[1]) if row[1] else None
    return int(row[0]), cursor if isinstance(cursor, dict) else None


def pending(con: psycopg.Connection, site: str, limit: int) -> list[dict[str, Any]]:
    """Items waiting for a site (lapsed leases too), in claim order; claims nothing."""
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {ITEM} FROM {F} WHERE site = %s AND {CLAIMABLE} "
                           f"ORDER BY {ORDER} LIMIT %s", [site, limit]).fetchall()


def claim(con: psycopg.Connection, site: str, owner: str, run_id: int | None, limit: int,
          lease_seconds: float) -> list[dict[str, Any]]:
    """Up to `limit` claimable items of `site`, leased to `owner` for `lease_seconds`;
    never one this run has tried already (it waits for the next run)."""
    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"WITH picked AS (SELECT article_id FROM {F} WHERE site = %(site)s AND {CLAIMABLE} "
            "AND tried_run IS DISTINCT FROM %(run)s "
            f"ORDER BY {ORDER} LIMIT %(limit)s FOR UPDATE SKIP LOCKED), "
            f"leased AS (UPDATE {F} AS f SET state = 'leased', lease_owner = %(owner)s, "
            "lease_run = %(run)s, leases = f.leases + 1, updated_at = clock_timestamp(), "
            "lease_until = clock_timestamp() + make_interval(secs => %(ttl)s) "
            "FROM picked WHERE f.article_id = picked.article_id RETURNING f.*) "
            f"SELECT {ITEM} FROM leased ORDER BY {ORDER}",
            {"site": site, "limit": limit, "owner": owner, "run": run_id,
             "ttl": lease_seconds}).fetchall()


def claimed_elsewhere(con: psycopg.Connection, site: str, owner: str) -> int:
    """Items of `site` claimed by other owners and not recorded yet: live claims (work
    that may yet come back) and lapsed ones (claimable now). Counting the lapsed too
    means a caller that claimed nothing a moment ago claims again rather than stop."""
    row = con.execute(f"SELECT count(*) FROM {F} WHERE site = %s AND state = 'leased' "
                      "AND lease_owner <> %s", [site, owner]).fetchone()
    return int(row[0]) if row else 0


def renew(con: psycopg.Connection, run_id: int, lease_seconds: float) -> int:
    """Push back the expiry of every lease the run holds; returns how many."""
    return con.execute(
        f"UPDATE {F} SET lease_until = clock_timestamp() + make_interval(secs => %s) "
        "WHERE state = 'leased' AND lease_run = %s", [lease_seconds, run_id]).rowcount


def release(con: psycopg.Connection, *, owner: str | None = None,
            runs: Sequence[int] = ()) -> int:
    """Leased items of `owner` (or of these runs) pending again at once."""
    where, params = (("lease_owner = %s", [owner]) if owner is not None
                     else ("lease_run = ANY(%s)", [list(runs)]))
    return con.execute(
        f"UPDATE {F} SET state = 'pending', lease_owner = NULL, lease_run = NULL, "
        f"lease_until = NULL, updated_at = clock_timestamp() "
        f"WHERE state = 'leased' AND {where}", params).rowcount


OUTCOMES = f"""
UPDATE {F} AS f SET
    attempts    = f.attempts + 1,
    state       = CASE WHEN d.state NOT IN ('retry', 'refused') THEN d.state
                       WHEN f.attempts + 1 < %(max)s THEN 'pending'
                       WHEN d.state = 'refused' THEN 'refused'
                       ELSE 'failed' END,
    last_error  = d.error,
    fetched_at  = CASE WHEN d.state = 'done' THEN clock_timestamp() ELSE f.fetched_at END,
    lease_owner = NULL, lease_run = NULL, lease_until = NULL,
    tried_run   = %(run)s,
    updated_at  = clock_timestamp()
FROM (SELECT DISTINCT ON (article_id) * FROM
      unnest(%(ids)s::text[], %(states)s::text[], %(errors)s::text[])
      WITH ORDINALITY AS x(article_id, state, error, n) ORDER BY article_id, n DESC) AS d
WHERE f.article_id = d.article_id
  AND (f.lease_run = %(run)s
       OR ((f.state <> 'leased' OR f.lease_until <= clock_timestamp())
           AND (f.state <> 'done' OR d.state = 'done')))
RETURNING f.article_id
"""


def record_outcomes(con: psycopg.Connection, done: Sequence[tuple[str, str, str | None]],
                    run_id: int, max_attempts: int) -> int:
    """What became of fetched items, by key; ends their leases. An item another run
    holds a live lease on (ours lapsed and was taken) is left to that run, and a done
    item is not undone by a late failure. Returns how many items were recorded."""
    if not done:
        return 0
    rows = con.execute(OUTCOMES, {
        "max": max_attempts, "run": run_id, "ids": [d[0] for d in done],
        "states": [d[1] for d in done], "errors": [d[2] for d in done]}).fetchall()
    return len(rows)


def requeue_refetch(con: psycopg.Connection, site: str, fetched_before: Any,
                    published_after: Any, max_refetches: int) -> int:
    """Done articles published (as listed, else first seen) after `published_after` and
    last fetched before `fetched_before` go back to pending, at most `max_refetches`."""
    return con.execute(
        f"UPDATE {F} SET state = 'pending', refetches = refetches + 1, "
        "updated_at = clock_timestamp() WHERE site = %s AND state = 'done' "
        "AND kind = 'article' AND refetches < %s AND fetched_at < %s "
        "AND coalesce(listed_at, discovered_at) > %s",
        [site, max_refetches, fetched_before, published_after]).rowcount


def pending_counts(con: psycopg.Connection) -> dict[str, int]:
    return {site: int(n) for site, n in con.execute(
        f"SELECT site, count(*) FROM {F} WHERE state IN ('pending', 'leased') "
        "GROUP BY site")}
