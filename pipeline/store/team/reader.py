"""Team mode's reads: the archive as the read functions of pipeline.store see a DuckDB file.

    with TeamReader.open(settings) as reader:      # or pipeline.store.readers.reading
        reads.sites(reader); coverage_of(reader, ...); find(reader, plan)

A DuckDB session of its own with the lake attached read-only (as `lake`), the control
state read-only (PostgreSQL's nv_ctl, as `ctl`), and an in-memory catalog named like the
file's (warehouse.catalog) in USE, holding the file's tables as views over both
(warehouse/lake/queries/reader_views.sql) and the file's own views (from its
migrations).  So the file's read SQL runs unchanged, and nothing here can write.

A DuckLake reader holds no lock a writer waits for: crawls commit beside it.  Each
statement (or each `window`, one transaction) reads the latest committed snapshot, so
a reader can be kept and used again (`newsvault serve` keeps one per thread: opening one
loads two extensions and attaches the lake, about a second).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Iterator
from types import TracebackType

import duckdb

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseError
from pipeline.store.connect import IDENT
from pipeline.store.queries import migrations, split_statements
from pipeline.store.team.session import (
    attach,
    attach_control,
    duck_session,
    full_text,
    lake_migrations,
    lake_sql,
)
from pipeline.store.terms import Terms

LAKE = "lake"       # the lake's catalog in a reader's session
CONTROL = "ctl"     # the control state's (as `newsvault sql` has it)
log = logging.getLogger(__name__)
_VIEW = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)\s", re.I)


class TeamReader(Terms):
    """What the read functions use of a Warehouse (`con`, `catalog`, the term index's
    reads), on team mode; read-only."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        super().__init__(con, settings.warehouse, read_only=True)
        self._windows = 0

    @classmethod
    def open(cls, settings: Settings) -> TeamReader:
        """WarehouseError when the team warehouse is empty, unreachable, or its lake's
        schema is not the one this newsvault writes."""
        con = duck_session(settings, writer=False)
        try:
            _attach(con, settings)
        except BaseException:
            con.close()
            raise
        return cls(con, settings)

    def check_version(self) -> None:
        """Checked when opened."""

    @contextlib.contextmanager
    def window(self) -> Iterator[TeamReader]:
        """One consistent read (one snapshot of the lake); nested windows join it."""
        if self._windows:
            yield self
            return
        self.con.begin()
        self._windows = 1
        try:
            yield self
        finally:
            self._windows = 0
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()  # nothing was written: ending it is all

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()

    def __enter__(self) -> TeamReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _attach(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    catalog = settings.warehouse.catalog
    if not IDENT.match(catalog):
        raise WarehouseError(f"warehouse.catalog {catalog!r} is not a plain name "
                             "(letters, digits, underscore)")
    if catalog in (LAKE, CONTROL, "memory", "temp", "system"):
        raise WarehouseError(f"warehouse.catalog {catalog!r} is a name team mode's reads "
                             "use themselves: choose another (the default is nv)")
    attach(con, None, settings.replace(warehouse=dataclasses.replace(
        settings.warehouse, catalog=LAKE)), read_only=True)
    _check_lake_schema(con)
    if not attach_control(con, settings):
        raise WarehouseError("the team warehouse has no control state yet: run `newsvault "
                             "crawl` first")
    try:
        con.execute(f"ATTACH ':memory:' AS {catalog}")
        con.execute(f"USE {catalog}")
        for statement in split_statements(lake_sql("reader_views")):
            con.execute(statement)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot read the team warehouse: {full_text(exc)}; an "
                             "older control state? run `newsvault crawl` once to bring "
                             "it up to date") from None
    for statement in file_views():
        try:
            con.execute(statement)
        except duckdb.Error as exc:  # a view over a table team mode has not: left out
            log.debug("team reads: no file view %s (%s)", statement[:60], full_text(exc))


def _check_lake_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The lake's schema must be this newsvault's: an older one lacks columns the reads
    need (a writing command brings it up to date), a newer one has what this one does
    not know."""
    row = con.execute(f"SELECT max(version) FROM {LAKE}.main.lake_schema").fetchone()
    have = int(row[0] or 0) if row else 0
    known = max((v for v, _, _ in lake_migrations()), default=0)
    if have < known:
        raise WarehouseError(f"the team warehouse's lake has schema {have}, older than this "
                             f"newsvault's ({known}): run `newsvault crawl` (any writing "
                             "command) once with this version to bring it up to date")
    if have > known:
        raise WarehouseError(f"the team warehouse's lake has schema {have}, newer than this "
                             f"newsvault knows ({known}): upgrade newsvault")


def file_views() -> list[str]:
    """The CREATE VIEW statements of the DuckDB file's migrations, the latest of each
    view (terms, site_daily, term_daily, open_gaps, ...), in the order they were made."""
    found: dict[str, str] = {}
    for _, _, sql in migrations():
        for statement in split_statements(sql):
            match = _VIEW.match(statement)
            if match:
                found.pop(match[1], None)
                found[match[1]] = statement
    return list(found.values())
