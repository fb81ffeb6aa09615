"""The nv_ctl schema: created by the first command on an empty database, upgraded in order.

Every process calls `ensure` before anything else. It takes a transaction-scoped advisory
lock, so processes starting at once queue there: the first applies warehouse/team/*.sql
(PostgreSQL DDL is transactional: all of a version or none of it), the others then find
it applied and go on. The lock goes with the transaction, also when a process dies.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg

from pipeline.core.errors import WarehouseError
from pipeline.store.team.connect import first_line

SCHEMA = "nv_ctl"
MIGRATE_LOCK = "newsvault:migrate"  # an advisory lock key, hashed by the server
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def versions() -> list[tuple[int, str, str]]:
    """(version, name, sql) of warehouse/team/*.sql, in order."""
    folder = resources.files("pipeline.sql") / "team"
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found)


def latest() -> int:
    return versions()[-1][0]


def ensure(con: psycopg.Connection) -> list[int]:
    """Create or upgrade nv_ctl; returns the versions this call applied (usually none)."""
    if current(con) == latest():
        return []  # the common case: no lock needed
    try:
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [MIGRATE_LOCK])
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version ("
                        "version integer PRIMARY KEY, name text NOT NULL, "
                        "applied_at timestamptz NOT NULL DEFAULT now())")
            done = {row[0] for row in con.execute(
                f"SELECT version FROM {SCHEMA}.schema_version")}
            applied = []
            for version, name, sql in versions():
                if version in done:
                    continue
                con.execute(sql)  # several statements: no parameters, the simple protocol
                con.execute(f"INSERT INTO {SCHEMA}.schema_version (version, name) "
                            "VALUES (%s, %s)", [version, name])
                applied.append(version)
    except psycopg.Error as exc:
        raise WarehouseError(f"creating the team schema {SCHEMA} failed: {first_line(exc)}; "
                             "the database user needs CREATE on the database") from None
    check_not_newer(con)
    return applied


def current(con: psycopg.Connection) -> int:
    """The schema version applied (0: none yet)."""
    with con.transaction():
        exists = con.execute("SELECT to_regclass(%s)",
                             [f"{SCHEMA}.schema_version"]).fetchone()
        if not exists or exists[0] is None:
            return 0
        row = con.execute(f"SELECT max(version) FROM {SCHEMA}.schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def check_not_newer(con: psycopg.Connection) -> None:
    have = current(con)
    if have > latest():
        raise WarehouseError(f"the team database has schema version {have}, newer than this "
                             f"newsvault knows ({latest()}); upgrade newsvault on this node")
