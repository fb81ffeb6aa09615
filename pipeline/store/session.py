"""A DuckDB session on the attached warehouse: named queries, scripts, transactions.

The base of pipeline.store.warehouse.Warehouse and of the parts it is made of (frontier,
runs, archive, terms); DuckDB's errors become WarehouseError here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import duckdb

from pipeline.config.settings import WarehouseSettings
from pipeline.core import faults
from pipeline.core.errors import WarehouseError
from pipeline.store.queries import dicts, first_line, literal, no_room, run_script, sql_text


class Session:
    def __init__(self, con: duckdb.DuckDBPyConnection, settings: WarehouseSettings,
                 read_only: bool) -> None:
        self.con = con
        self.settings = settings
        self.read_only = read_only
        self.catalog = settings.catalog
        self._depth = 0
        # Called after each committed batch with the ids of its new and updated articles
        # (pipeline.index.terms.crawl_hook, set by the writing commands, indexes their terms).
        self.after_store: Callable[[Any, list[str]], None] | None = None
        self._changed: list[str] = []  # new/updated ids waiting for the commit
        self._lists: bool | None = None  # schema has list_items (see Frontier)

    def query(self, name: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a named query of warehouse/queries."""
        with self._reading(name):
            return self.con.execute(sql_text(name), params or {}).fetchall()

    def records(self, name: str, params: dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
        """The rows of a named query as dicts by column name."""
        with self._reading(name):
            return dicts(self.con.execute(sql_text(name), params or {}))

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[None]:
        """DuckDB's error of a read as a WarehouseError naming the query (inside a
        transaction the transaction reports it)."""
        try:
            yield
        except duckdb.Error as exc:
            if self._depth:
                raise
            raise WarehouseError(f"reading the warehouse ({what}) failed: "
                                 f"{first_line(exc)}{no_room(exc)}") from None

    def run_script(self, name: str, params: dict[str, Any] | None = None) -> None:
        """Run a query file of several statements, each with the parameters it names."""
        run_script(self.con, name, params)

    def schema_version(self) -> int:
        # The catalog is inlined (a checked identifier), not a parameter: with parameters
        # duckdb 1.5 imports pandas when installed, 0.3 s of every read-only command.
        exists = self.con.execute(
            f"SELECT count(*) FROM duckdb_tables() WHERE database_name = {literal(self.catalog)}"
            " AND table_name = 'schema_migrations'").fetchone()
        if not exists or not exists[0]:
            return 0
        row = self.con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    @contextlib.contextmanager
    def transaction(self, checkpoint: str | None = "commit") -> Iterator[None]:
        """One transaction; nested uses join the outer one.  `checkpoint`: the fault
        injection point passed before COMMIT (pipeline.core.faults)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            self.con.begin()
            yield
            if checkpoint:
                faults.checkpoint(checkpoint)
            self.con.commit()
            self._depth = 0
            changed, self._changed = self._changed, []
            if changed and self.after_store is not None:
                self.after_store(self, changed)
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise WarehouseError(f"writing to the warehouse failed: {first_line(exc)}"
                                 f"{no_room(exc)}") from None
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise
        finally:
            self._depth = 0
            self._changed = []

    def _transaction(self, work: Callable[[], Any]) -> None:
        with self.transaction():
            work()
