"""Connecting to team mode's lake: a DuckDB session with the DuckLake and postgres
extensions, a PostgreSQL session (psycopg) for advisory locks, and the ATTACH.

    pg = pg_session(uri)
    con = duck_session(settings)
    attach(con, pg, settings, read_only=False)   # creates and migrates it, race-free

The first ATTACH of an empty database creates DuckLake's own catalog tables, and two
processes doing it at once collide (issue 16: 2 of 3 crawlers failed).  So a writer
attaches and migrates under an exclusive advisory lock (INIT_LOCK): the first creates,
the others wait and then find it made.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg.conninfo import conninfo_to_dict

from pipeline.config.settings import Settings
from pipeline.core.errors import LockHeld, WarehouseError
from pipeline.core.records import utcnow
from pipeline.store.queries import literal
from pipeline.store.team import locks
from pipeline.store.team.connect import connect, libpq_dsn

INIT_LOCK = "newsvault:lake:init"         # creating and migrating the lake
MAINTENANCE_LOCK = locks.MAINTENANCE       # shared: a batch commit; exclusive: maintain
LAKE_FOLDER = "lake"                      # DuckLake's files: <data_path>/lake/
CONTROL_SCHEMA = "nv_ctl"                 # pipeline.store.team.schema's
EXTENSIONS = (("ducklake", "duckdb_extension_ducklake"),
              ("postgres_scanner", "duckdb_extension_postgres_scanner"))
_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def full_text(exc: BaseException) -> str:
    """A DuckDB or PostgreSQL error on one line, all of it: the reason of a failed
    DuckLake commit is on its later lines (a conflict, a duplicate snapshot id)."""
    text = " ".join(line.strip() for line in str(exc).strip().splitlines() if line.strip())
    return text or type(exc).__name__


def data_path(settings: Settings) -> str:
    """DATA_PATH of the lake, with the trailing slash DuckLake expects."""
    return str(Path(settings.warehouse.data_path) / LAKE_FOLDER) + "/"


def attach_sql(settings: Settings, read_only: bool = False) -> str:
    """The ATTACH any DuckDB with the DuckLake and postgres extensions runs (the README
    shows it to analysts)."""
    options = [f"DATA_PATH {literal(data_path(settings))}"]
    if read_only:
        options.append("READ_ONLY")
    target = literal("ducklake:postgres:" + libpq_dsn(settings.warehouse.path))
    return f"ATTACH {target} AS {settings.warehouse.catalog} ({', '.join(options)})"


def pg_session(uri: str) -> psycopg.Connection:
    """A PostgreSQL session of our own (autocommit) for advisory locks."""
    return connect(uri, autocommit=True)


def duck_session(settings: Settings, *, writer: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with both extensions loaded and the session settings."""
    con = duckdb.connect(":memory:")
    try:
        for name, package in EXTENSIONS:
            con.execute(f"LOAD {literal(_extension_file(name, package))}")
        con.execute(f"SET TimeZone = {literal(settings.warehouse.timezone)}")
        if writer and settings.warehouse.memory_limit:
            con.execute(f"SET memory_limit = {literal(settings.warehouse.memory_limit)}")
        if writer and settings.warehouse.threads:
            con.execute(f"SET threads = {int(settings.warehouse.threads)}")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot set up DuckDB for the team warehouse: "
                             f"{full_text(exc)}") from None
    return con


def _extension_file(name: str, package: str) -> str:
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = sorted(f for folder in folders
                   for f in Path(folder).glob(f"extensions/*/{name}.duckdb_extension"))
    if not found:
        raise WarehouseError(f"team mode needs the DuckDB extension {name}: pip install "
                             f"{package.replace('_', '-')}=={duckdb.__version__}")
    return str(found[-1])


@contextlib.contextmanager
def advisory(pg: psycopg.Connection, key: str, *, shared: bool = False,
             wait: float | None = None) -> Iterator[None]:
    """Hold a session advisory lock on `key`; `wait` seconds at most (None: as long as
    it takes), then LockHeld.  It goes away with the session if the process dies.  Keys
    are hashed as pipeline.store.team.locks hashes them, so both exclude each other."""
    kind = "_shared" if shared else ""
    try:
        if wait is not None:
            pg.execute(f"SET lock_timeout = '{max(int(wait * 1000), 1)}ms'")
        pg.execute(f"SELECT pg_advisory_lock{kind}(hashtextextended(%s, 0))", [key])
    except psycopg.errors.LockNotAvailable:
        raise LockHeld(f"the team warehouse's {key.rsplit(':', 1)[-1]} lock is held by "
                       f"another node (waited {wait:g} s); try again later") from None
    except psycopg.Error as exc:
        raise WarehouseError(f"cannot take the lock {key}: {full_text(exc)}") from None
    finally:
        if wait is not None:
            with contextlib.suppress(psycopg.Error):
                pg.execute("SET lock_timeout = 0")
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):
            pg.execute(f"SELECT pg_advisory_unlock{kind}(hashtextextended(%s, 0))",
                       [key])


def attach(con: duckdb.DuckDBPyConnection, pg: psycopg.Connection | None,
           settings: Settings, *, read_only: bool = False) -> None:
    """ATTACH the lake as warehouse.catalog and USE it.  A writer (pg given) creates and
    migrates it under INIT_LOCK; a reader finds it or is told to run a crawl first."""
    catalog = settings.warehouse.catalog
    try:
        if pg is None or read_only:
            con.execute(attach_sql(settings, read_only=True))
        else:
            Path(data_path(settings)).mkdir(parents=True, exist_ok=True)
            with advisory(pg, INIT_LOCK):
                con.execute(attach_sql(settings))
                con.execute(f"USE {catalog}")
                migrate(con, settings.node())
        con.execute(f"USE {catalog}")
    except duckdb.Error as exc:
        text = without_password(full_text(exc), settings.warehouse.path)
        if "does not exist" in text and "creating a new DuckLake" in text:
            raise WarehouseError("the team warehouse is empty (no lake yet): run "
                                 "`newsvault crawl` first") from None
        raise WarehouseError(f"cannot attach the team warehouse: {text}") from None
    except OSError as exc:
        raise WarehouseError(f"cannot create the lake's folder under warehouse.data_path: "
                             f"{exc.strerror or exc}") from None


def without_password(text: str, uri: str) -> str:
    """`text` (DuckDB's message, which quotes the connection string) with the URI's
    password masked."""
    try:
        password = conninfo_to_dict(uri).get("password")
    except psycopg.Error:
        return text
    return text.replace(password, "***") if password else text


def attach_control(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """For readers: the control state (schema nv_ctl: frontier, runs, ...) attached
    read-only as catalog `ctl`, beside the lake; False when there is none yet."""
    try:
        con.execute(f"ATTACH {literal(libpq_dsn(settings.warehouse.path))} AS ctl "
                    f"(TYPE postgres, READ_ONLY, SCHEMA {literal(CONTROL_SCHEMA)})")
    except duckdb.Error:
        return False
    return True


def lake_sql(name: str) -> str:
    """A query of warehouse/lake/queries, else of warehouse/queries (shared reads)."""
    root = resources.files("pipeline.sql")
    own = root / "lake" / "queries" / f"{name}.sql"
    return (own if own.is_file() else root / "queries" / f"{name}.sql").read_text("utf-8")


def lake_migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("pipeline.sql") / "lake" / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection, node: str) -> list[int]:
    """Apply the lake migrations not applied yet, each in one transaction (the caller
    holds INIT_LOCK, so no other node migrates at the same time)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                         "current_database() AND table_name = 'lake_schema'").fetchone()
    done: set[Any] = set()
    if exists and exists[0]:
        done = {row[0] for row in con.execute("SELECT version FROM lake_schema").fetchall()}
    known = max((v for v, _, _ in lake_migrations()), default=0)
    if done and max(done) > known:
        raise WarehouseError(f"the team warehouse has lake schema {max(done)}, newer than "
                             f"this newsvault knows ({known}): upgrade newsvault")
    applied = []
    for version, name, sql in lake_migrations():
        if version in done:
            continue
        try:
            con.begin()
            con.execute(sql)
            con.execute("INSERT INTO lake_schema VALUES (?, ?, ?, ?)",
                        [version, name, utcnow(), node])
            con.commit()
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise WarehouseError(f"lake migration {version:04d}_{name} failed: "
                                 f"{full_text(exc)}") from None
        applied.append(version)
    return applied
