"""Runs and ids in PostgreSQL: sequences, heartbeats, interrupted only when stale.

A run writes its heartbeat (and renews its leases) every team.heartbeat seconds. A run
still 'running' whose heartbeat is older than the lease time is dead: the next run to
start on any node records it 'interrupted' and gives its leased items back. A live run
on another node is never touched, whatever its age.  The same goes for its work units
(pipeline.store.team.work).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from pipeline import __version__
from pipeline.store.team import frontier, work

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


def interrupt_stale(con: psycopg.Connection, stale_seconds: float) -> list[int]:
    """Runs whose heartbeat stopped more than `stale_seconds` ago: 'interrupted', their
    leased items pending again. Returns their ids."""
    dead = [r[0] for r in con.execute(
        "UPDATE nv_ctl.runs SET outcome = 'interrupted', finished_at = heartbeat_at "
        "WHERE outcome = 'running' "
        "AND heartbeat_at < clock_timestamp() - make_interval(secs => %s) RETURNING run_id",
        [stale_seconds])]
    if dead:
        frontier.release(con, runs=dead)
        work.release(con, runs=dead)
    return dead


def start_run(con: psycopg.Connection, run_id: int, sites: list[str], node: str, pid: int,
              config_digest: str, command: str, stale_seconds: float) -> list[int]:
    """Record the run as running; returns the dead runs this found and interrupted."""
    dead = interrupt_stale(con, stale_seconds)
    con.execute("INSERT INTO nv_ctl.runs (run_id, command, node, pid, sites, version, "
                "config_digest) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [run_id, command, node, pid, sites, __version__, config_digest])
    return dead


def heartbeat(con: psycopg.Connection, run_id: int, lease_seconds: float) -> bool:
    """The run is alive: its heartbeat now, its leases renewed. False when the run was
    already recorded interrupted (it stalled longer than the lease time)."""
    row = con.execute("UPDATE nv_ctl.runs SET heartbeat_at = clock_timestamp() "
                      "WHERE run_id = %s RETURNING outcome", [run_id]).fetchone()
    frontier.renew(con, run_id, lease_seconds)
    work.renew(con, run_id, lease_seconds)
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
    frontier.release(con, runs=[run_id])
    work.release(con, runs=[run_id])
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
