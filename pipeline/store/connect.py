"""Connecting: a DuckDB session with the warehouse's settings, ATTACH, migrations.

The database is ATTACHed under a catalog name (`warehouse.catalog`, default `nv`) and
made the default with USE, so every statement runs against that catalog and never
against DuckDB's implicit `main`.  Pointing `warehouse.attach` at
'ducklake:postgres:...' (with `extensions = ["ducklake"]`) turns the same code into a
DuckLake writer.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.config.settings import WarehouseSettings, is_team_uri
from pipeline.core.errors import UsageError, WarehouseBusy, WarehouseError
from pipeline.core.records import utcnow
from pipeline.store.lock import describe_process
from pipeline.store.queries import first_line, literal, migrations, no_room
from pipeline.store.session import Session

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A migration holding this line is for DuckDB files only (an index: DuckLake has none);
# a DuckLake catalog records it as applied without running it.
FILE_ONLY = "-- duckdb-file-only"


def connect(settings: WarehouseSettings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the warehouse's extensions and settings."""
    con = duckdb.connect(":memory:")
    try:
        for extension in settings.extensions:
            _load_extension(con, extension)
        con.execute(f"SET TimeZone = {literal(settings.timezone)}")
        if settings.memory_limit:
            con.execute(f"SET memory_limit = {literal(settings.memory_limit)}")
        if settings.threads:
            con.execute(f"SET threads = {int(settings.threads)}")
        if not settings.attach and settings.path not in ("", ":memory:") \
                and "://" not in settings.path:
            # what DuckDB spills beside the file (a session of its own would put it
            # there too; an in-memory one attaching it used .tmp in the current folder)
            con.execute(f"SET temp_directory = {literal(settings.path + '.tmp')}")
    except duckdb.Error as exc:
        con.close()
        raise attach_error(settings.attach or settings.path, exc) from None
    except BaseException:
        con.close()
        raise
    return con


def known_timezone(name: str) -> bool:
    """Whether DuckDB's ICU time zones include `name` (DuckDB is the one that uses it)."""
    if name == WarehouseSettings.timezone:
        return True  # the default: spare starting DuckDB
    with duckdb.connect() as con:
        try:
            con.execute(f"SET TimeZone = {literal(name)}")
        except duckdb.Error:
            return False
    return True


def target_of(settings: WarehouseSettings, read_only: bool) -> str:
    """What to ATTACH, checked: the catalog name, and the file's folder (created)."""
    if not IDENT.match(settings.catalog):
        raise WarehouseError(f"warehouse.catalog {settings.catalog!r} is not a plain name "
                             "(letters, digits, underscore)")
    if settings.attach:
        return settings.attach
    if is_team_uri(settings.path):  # never a stray DuckDB file named like the URI
        raise UsageError("this command does not run on team mode (a postgresql:// "
                         "warehouse) yet: give --warehouse a DuckDB file (the README's "
                         "Team mode section lists the commands that do)")
    path = Path(settings.path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `newsvault crawl` first, or "
                             "give --warehouse PATH")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the folder of {path}: "
                                 f"{exc.strerror}") from None
    return settings.path


def attach(con: duckdb.DuckDBPyConnection, settings: WarehouseSettings, target: str,
           read_only: bool) -> None:
    """ATTACH the warehouse to `con` and USE it; WarehouseBusy when another process
    holds it."""
    try:
        options = [o for o in ("READ_ONLY" if read_only else "", settings.attach_options) if o]
        suffix = f" ({', '.join(options)})" if options else ""
        con.execute(f"ATTACH {literal(target)} AS {settings.catalog}{suffix}")
        con.execute(f"USE {settings.catalog}")
    except duckdb.Error as exc:
        raise attach_error(target, exc) from None


def detach(con: duckdb.DuckDBPyConnection, catalog: str, own: bool) -> None:
    """Let the file go: close the session, or detach from a shared one."""
    try:
        if own:
            con.close()
        else:
            con.execute("USE memory")
            con.execute(f"DETACH {catalog}")
    except duckdb.Error:
        pass


def migrate(session: Session) -> list[int]:
    """Apply the migrations not applied yet, each in its own transaction."""
    con = session.con
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL,"
                " name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    check_not_newer(session)
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    lake = _is_ducklake(session)
    for version, name, sql in migrations():  # every one not applied yet, in order
        if version in done:
            continue
        try:
            con.begin()
            if not (lake and FILE_ONLY in sql):  # recorded as applied either way
                con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        [version, name, utcnow()])
            con.commit()
        except duckdb.Error as exc:
            con.rollback()
            raise WarehouseError(f"migration {version:04d}_{name} failed: "
                                 f"{first_line(exc)}") from None
        applied.append(version)
    return applied


def _is_ducklake(session: Session) -> bool:
    row = session.con.execute("SELECT type FROM duckdb_databases() WHERE database_name = "
                              f"{literal(session.catalog)}").fetchone()
    return bool(row and row[0] == "ducklake")


def check_version(session: Session) -> None:
    """For readers: a schema this code knows, and not an empty file."""
    check_not_newer(session)
    if session.schema_version() == 0:
        raise WarehouseError("the warehouse is empty (no schema yet): run `newsvault "
                             "crawl` first")


def check_not_newer(session: Session) -> None:
    known = max((v for v, _, _ in migrations()), default=0)
    current = session.schema_version()
    if current > known:
        raise WarehouseError(f"the warehouse has schema version {current}, newer than this "
                             f"newsvault knows ({known}): upgrade newsvault")


def _load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if name == "ducklake":
        try:
            import duckdb_extension_ducklake as pkg  # type: ignore[import-not-found]
        except ImportError:
            con.execute("LOAD ducklake")
            return
        folder = Path(pkg.__file__).parent / "extensions"
        found = sorted(folder.glob("*/ducklake.duckdb_extension"))
        if not found:
            raise WarehouseError(f"duckdb-extension-ducklake has no extension file in {folder}")
        con.execute(f"LOAD {literal(str(found[-1]))}")
    elif name.endswith(".duckdb_extension"):
        con.execute(f"LOAD {literal(name)}")
    elif IDENT.match(name):
        con.execute(f"LOAD {name}")
    else:
        raise WarehouseError(f"warehouse.extensions: {name!r} is neither an extension name "
                             "nor a .duckdb_extension path")


def attach_error(target: str, exc: duckdb.Error) -> WarehouseError:
    text = first_line(exc)
    lowered = text.lower()
    if "lock" in lowered and ("conflicting" in lowered or "could not set" in lowered):
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(exc))
        who = f" by {describe_process(int(holder[2]), Path(target + '.lock'))}" if holder else ""
        return WarehouseBusy(f"the warehouse {target} is in use{who}: DuckDB allows one writer "
                             "or many readers; try again when it is free")
    if "not a valid DuckDB database" in text or "not a valid" in text:
        return WarehouseError(f"{target} is not a DuckDB database: point --warehouse at a "
                              "DuckDB file (or a new path)")
    if "version" in text.lower() and ("storage" in text.lower() or "serializ" in text.lower()):
        return WarehouseError(f"{target} was written by another DuckDB version ({text}): use "
                              "the DuckDB version that wrote it, or a new path")
    return WarehouseError(f"cannot open the warehouse {target}: {text}{no_room(exc)}")
