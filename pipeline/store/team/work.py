"""Shared jobs in PostgreSQL: a job split into work units that nodes lease one at a time.

Functions over one psycopg connection; the caller (PgControl) holds the transaction.

A job of a kind ('reextract:<extractor version>:<filter>', 'terms:<index version>:...')
is planned once: the first node to ask takes a transaction-scoped advisory lock on the
kind, finds no open job, and inserts the job with its units (ranges of keys, in key
order) in the same transaction; a node asking meanwhile waits on the lock and then joins
that job.  A job is open while any unit is not done; once all are, the next node to ask
plans a new generation (which finds nothing to do when the work was about stale items,
and everything again when it was about all of them, as `reextract --all` in the file).

A unit is claimed FOR UPDATE SKIP LOCKED, so nodes claiming at once never take the same
one, leased until `lease_until`, which the run heartbeat renews (runs.heartbeat).  A
unit is marked done only after its results are committed; a node that dies holding one
leaves it leased, it lapses, and another node takes it and does it again.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from pipeline.store.interfaces import Plan
from pipeline.store.records import WorkUnit

J, U = "nv_ctl.work_jobs", "nv_ctl.work_units"
CLAIMABLE = "(state = 'pending' OR (state = 'leased' AND lease_until <= clock_timestamp()))"


def open_job(con: psycopg.Connection, kind: str, plan: Plan, run_id: int | None
             ) -> str | None:
    """The open job of `kind` (joined), else a new generation of it planned by `plan()`
    (its units: first key, last key, items); None when there is none and `plan` gives
    nothing."""
    con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"nv:job:{kind}"])
    row = con.execute(
        f"SELECT j.job, j.generation, EXISTS (SELECT 1 FROM {U} u WHERE u.job = j.job "
        f"AND u.state <> 'done') FROM {J} j WHERE j.kind = %s "
        "ORDER BY j.generation DESC LIMIT 1", [kind]).fetchone()
    if row and row[2]:
        return str(row[0])
    units = list(plan())
    if not units:
        return None
    generation = (row[1] if row else 0) + 1
    job = f"{kind}#{generation}"
    con.execute(f"INSERT INTO {J} (job, kind, generation, units, items, planned_run) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [job, kind, generation, len(units), sum(u[2] for u in units), run_id])
    con.execute(
        f"INSERT INTO {U} (job, unit, first_key, last_key, items) "
        "SELECT %s, n, f, l, i FROM unnest(%s::text[], %s::text[], %s::int[]) "
        "WITH ORDINALITY AS x(f, l, i, n)",
        [job, [u[0] for u in units], [u[1] for u in units], [u[2] for u in units]])
    return job


def claim(con: psycopg.Connection, job: str, owner: str, run_id: int | None,
          lease_seconds: float) -> WorkUnit | None:
    """The first claimable unit of `job`, leased to `owner` for `lease_seconds`."""
    row = con.execute(
        f"WITH picked AS (SELECT job, unit FROM {U} WHERE job = %(job)s AND {CLAIMABLE} "
        "ORDER BY unit LIMIT 1 FOR UPDATE SKIP LOCKED) "
        f"UPDATE {U} AS u SET state = 'leased', lease_owner = %(owner)s, lease_run = %(run)s, "
        "leases = u.leases + 1, "
        "lease_until = clock_timestamp() + make_interval(secs => %(ttl)s) "
        "FROM picked WHERE u.job = picked.job AND u.unit = picked.unit "
        "RETURNING u.job, u.unit, u.first_key, u.last_key, u.items, u.leases",
        {"job": job, "owner": owner, "run": run_id, "ttl": lease_seconds}).fetchone()
    return WorkUnit(*row) if row else None


def held_elsewhere(con: psycopg.Connection, job: str, owner: str) -> int:
    """Units of `job` leased by other owners and not done (live, or lapsed and free)."""
    row = con.execute(f"SELECT count(*) FROM {U} WHERE job = %s AND state = 'leased' "
                      "AND lease_owner IS DISTINCT FROM %s", [job, owner]).fetchone()
    return int(row[0]) if row else 0


def done(con: psycopg.Connection, unit: WorkUnit, run_id: int | None) -> bool:
    """The unit's results are committed: done (the first run to say so is kept)."""
    return con.execute(
        f"UPDATE {U} SET state = 'done', done_run = %s, done_at = clock_timestamp(), "
        "lease_owner = NULL, lease_run = NULL, lease_until = NULL "
        "WHERE job = %s AND unit = %s AND state <> 'done'",
        [run_id, unit.job, unit.unit]).rowcount > 0


def renew(con: psycopg.Connection, run_id: int, lease_seconds: float) -> int:
    """Push back the expiry of every unit the run holds; returns how many."""
    return con.execute(
        f"UPDATE {U} SET lease_until = clock_timestamp() + make_interval(secs => %s) "
        "WHERE state = 'leased' AND lease_run = %s", [lease_seconds, run_id]).rowcount


def release(con: psycopg.Connection, *, owner: str | None = None,
            runs: Sequence[int] = ()) -> int:
    """Units leased by `owner` (or by these runs) and not done: free again at once."""
    where, params = (("lease_owner = %s", [owner]) if owner is not None
                     else ("lease_run = ANY(%s)", [list(runs)]))
    return con.execute(
        f"UPDATE {U} SET state = 'pending', lease_owner = NULL, lease_run = NULL, "
        f"lease_until = NULL WHERE state = 'leased' AND {where}", params).rowcount

