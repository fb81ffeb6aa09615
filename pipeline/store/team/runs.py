"""Runs and ids in PostgreSQL: sequences, heartbeats, interrupted only when dead.

A run holds a liveness lock (a session-level advisory lock keyed by its run id) on its
control connection while it runs, and writes its heartbeat (renewing its leases) every
team.heartbeat seconds. A run still 'running' is dead when its liveness lock is free
(its process died: PostgreSQL ended its session at once) or, as the fallback (a network
partition keeps a dead session open for a while; a pooler shares sessions), when its
heartbeat is older than the lease time. Any node that finds a dead run (starting a run,
claiming work, beating its heartbeat) records it 'interrupted' and gives its leased items
back. A live run on another node is never touched, whatever its age. The same goes
for the work units of shared jobs it holds (pipeline.store.team.work).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from pipeline import __version__
from pipeline.store.team import bfwork, frontier
from pipeline.store.team import work as units

RUN_SITE_COLUMNS = ("outcome", "error", "list_pages", "discovered", "fetched", "new",
                    "updated", "unchanged", "skipped", "failed", "pending", "depth_cut",
                    "block_rate")
RUN_LIST_COLUMNS = ("list_name", "kind", "pages", "items", "new", "horizon_run",
                    "reached_known", "depth_cut", "possible_gap", "first_read", "error",
                    "resume")
SEQUENCES = {"run": "nv_ctl.run_ids", "capture": "nv_ctl.capture_ids",
             "term": "nv_ctl.term_id_seq", "doc": "nv_ctl.term_doc_seq"}


def next_ids(con: psycopg.Connection, kind: str, n: int = 1) -> list[int]:
    """`n` fresh ids of a sequence (run, capture, term, doc) in one round trip."""
    return [r[0] for r in con.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [SEQUENCES[kind], n])]


def raise_ids(con: psycopg.Connection, kind: str, above: int) -> None:
    """The sequence's next id is above `above` (moving an archive into team mode)."""
    con.execute("SELECT setval(%s::regclass, greatest(%s, (SELECT last_value FROM "
                f"{SEQUENCES[kind]})))", [SEQUENCES[kind], above])


ALIVE = "newsvault:alive:"  # + run id: the run's liveness lock, hashed by the server
ALIVE_KEY = f"hashtextextended('{ALIVE}' || runs.run_id::text, 0)"
# Whether some session of this database holds the liveness lock of the row's run.
LOCK_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
             "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
             "WHERE datname = current_database()) "
             f"AND ((l.classid::bigint << 32) | l.objid::bigint) = {ALIVE_KEY})")
DEAD = ("outcome = 'running' AND (heartbeat_at < clock_timestamp() - make_interval(secs => "
        f"%s) OR (alive_lock AND NOT {LOCK_HELD}))")


def hold_alive(con: psycopg.Connection, run_id: int) -> bool:
    """Take the run's liveness lock on this session (the run's control connection, kept
    for the run's life). True when the lock stands for the run: taken, on a session of
    its own. Behind a pooler that hands the connection's statements to shared server
    sessions, the server's pid is not the one libpq was given at connect: the lock is
    let go and the run relies on its heartbeat alone."""
    row = con.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0)), "
                      "pg_backend_pid()", [f"{ALIVE}{run_id}"]).fetchone()
    if not row or not row[0]:
        return False
    if row[1] != con.info.backend_pid:
        let_go(con, run_id)
        return False
    return True


def let_go(con: psycopg.Connection, run_id: int) -> None:
    """Release the run's liveness lock (after its outcome is recorded)."""
    if not con.closed:
        con.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                    [f"{ALIVE}{run_id}"])


def interrupt_dead(con: psycopg.Connection, stale_seconds: float) -> list[int]:
    """Runs found dead (their liveness lock free, or their heartbeat stopped more than
    `stale_seconds` ago): 'interrupted', their leased items pending again. Returns
    their ids."""
    dead = [r[0] for r in con.execute(
        "UPDATE nv_ctl.runs SET outcome = 'interrupted', finished_at = heartbeat_at "
        f"WHERE {DEAD} RETURNING run_id", [stale_seconds])]
    if dead:
        release_leases(con, dead)
    return dead


def renew_leases(con: psycopg.Connection, run_id: int, lease_seconds: float) -> None:
    """Push back the expiry of every lease the run holds, of every kind of work."""
    frontier.renew(con, run_id, lease_seconds)
    bfwork.renew(con, run_id, lease_seconds)
    units.renew(con, run_id, lease_seconds)


def release_leases(con: psycopg.Connection, run_ids: Sequence[int]) -> None:
    """Every lease of these runs, of every kind of work, given back at once (a run's
    end, a dead run found)."""
    frontier.release(con, runs=run_ids)
    bfwork.release(con, run_ids)
    units.release(con, runs=run_ids)


def lock_lost(con: psycopg.Connection) -> set[int]:
    """Runs still recorded running whose liveness lock no session holds: their process
    is gone (its connection closed), whatever their heartbeat says. Reads only."""
    return {r[0] for r in con.execute(
        f"SELECT run_id FROM nv_ctl.runs WHERE outcome = 'running' AND alive_lock "
        f"AND NOT {LOCK_HELD}")}


def start_run(con: psycopg.Connection, run_id: int, sites: list[str], node: str, pid: int,
              config_digest: str, command: str, stale_seconds: float,
              alive_lock: bool = False) -> list[int]:
    """Record the run as running (`alive_lock`: it holds its liveness lock, taken
    before this); returns the dead runs this found and interrupted."""
    dead = interrupt_dead(con, stale_seconds)
    con.execute("INSERT INTO nv_ctl.runs (run_id, command, node, pid, sites, version, "
                "config_digest, alive_lock) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [run_id, command, node, pid, sites, __version__, config_digest, alive_lock])
    return dead


def lock_row(con: psycopg.Connection, run_id: int) -> None:
    """Lock the run's row for this transaction before any of its frontier rows: every
    transaction that writes a run's leases (its heartbeat, its outcomes, a node
    interrupting it) takes the run's row first, so none waits for another the other
    way round."""
    con.execute("SELECT 1 FROM nv_ctl.runs WHERE run_id = %s FOR NO KEY UPDATE", [run_id])


def heartbeat(con: psycopg.Connection, run_id: int, lease_seconds: float) -> bool:
    """The run is alive: its heartbeat now, its leases renewed. False when the run was
    already recorded interrupted (it stalled longer than the lease time)."""
    row = con.execute("UPDATE nv_ctl.runs SET heartbeat_at = clock_timestamp() "
                      "WHERE run_id = %s RETURNING outcome", [run_id]).fetchone()
    renew_leases(con, run_id, lease_seconds)
    return bool(row) and row[0] == "running"


def set_progress(con: psycopg.Connection, run_id: int, progress: str) -> None:
    con.execute("UPDATE nv_ctl.runs SET progress = %s, progress_at = clock_timestamp(), "
                "heartbeat_at = clock_timestamp() WHERE run_id = %s", [progress, run_id])


def finish_run(con: psycopg.Connection, run_id: int, outcome: str, exit_code: int,
               summary: str, sites: Sequence[dict[str, Any]],
               counters: Sequence[tuple[str, str, int]], error: str | None = None,
               error_detail: str | None = None) -> None:
    """The run's outcome, its per-site rows, lists and counters; its leases given back."""
    con.execute("UPDATE nv_ctl.runs SET finished_at = clock_timestamp(), outcome = %s, "
                "exit_code = %s, summary = %s, error = %s, error_detail = %s "
                "WHERE run_id = %s", [outcome, exit_code, summary, error, error_detail, run_id])
    release_leases(con, [run_id])
    _insert(con, "run_lists", ("run_id", "site", *RUN_LIST_COLUMNS),
            [[run_id, s["site"], *(row.get(c) for c in RUN_LIST_COLUMNS)]
             for s in sites for row in s.get("lists", ())])
    _insert(con, "run_sites", ("run_id", "site", *RUN_SITE_COLUMNS),
            [[run_id, s["site"], *(s.get(c) for c in RUN_SITE_COLUMNS)] for s in sites])
    _insert(con, "run_counters", ("run_id", "site", "key", "value"),
            [[run_id, site, key, value] for site, key, value in counters])


def _insert(con: psycopg.Connection, table: str, columns: Sequence[str],
            rows: list[list[Any]]) -> None:
    if rows:
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO nv_ctl.{table} ({', '.join(columns)}) VALUES "
                            f"({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING",
                            rows)


def run_row(con: psycopg.Connection, run_id: int) -> dict[str, Any] | None:
    from psycopg.rows import dict_row

    with con.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM nv_ctl.runs WHERE run_id = %s", [run_id]).fetchone()


def keyed_ids(con: psycopg.Connection, table: str, key: str, id_column: str,
              values: Sequence[str]) -> dict[str, int]:
    """Ids of `values` in a vocabulary table (term_ids, term_docs): new values get the
    next id of the table's sequence (INSERT ... ON CONFLICT DO NOTHING), known ones keep
    theirs, so concurrent writers agree on every id."""
    if not values:
        return {}
    unique = sorted(set(values))
    con.execute(f"INSERT INTO nv_ctl.{table} ({key}) SELECT unnest(%s::text[]) "
                "ON CONFLICT DO NOTHING", [unique])
    return dict(con.execute(f"SELECT {key}, {id_column} FROM nv_ctl.{table} "
                            f"WHERE {key} = ANY(%s)", [unique]).fetchall())
