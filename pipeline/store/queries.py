"""The SQL text of the warehouse: query files by name, migrations, literals, scripts.

Query files live in warehouse/queries/*.sql, migrations in warehouse/migrations/*.sql
(shipped as the package pipeline.sql).  A query file of several statements ends each
with ';' at the end of a line; a statement takes only the $parameters it names.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib import resources
from typing import Any

import duckdb

_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_PARAM = re.compile(r"\$(\w+)")


@cache
def sql_text(name: str) -> str:
    """A query file of warehouse/queries by name."""
    return (resources.files("pipeline.sql") / "queries" / f"{name}.sql").read_text("utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of warehouse/migrations, in order."""
    folder = resources.files("pipeline.sql") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Statements of a query file: they end with ';' at the end of a line."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.M)
    return [part.strip() for part in parts if part.strip()]


def run_script(con: duckdb.DuckDBPyConnection, name: str,
               params: dict[str, Any] | None = None) -> None:
    """Run a query file statement by statement, each with the parameters it names."""
    for statement in split_statements(sql_text(name)):
        named = set(_PARAM.findall(statement))
        used = {key: value for key, value in (params or {}).items() if key in named}
        con.execute(statement, used) if used else con.execute(statement)


def literal(value: str | dt.date) -> str:
    """A string or a day as SQL literal text.

    Reads that must start fast (`status`, `trend`) inline their few values instead of
    passing parameters: with parameters duckdb 1.5 imports pandas when it is installed.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def inline_params(sql: str, params: dict[str, Any]) -> str:
    """`sql` with its $name parameters written in as SQL literals (see `literal`)."""
    def text(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, dt.datetime):
            kind = "TIMESTAMPTZ" if value.tzinfo is not None else "TIMESTAMP"
            return f"{kind} {literal(value.isoformat())}"
        if isinstance(value, dt.date | str):
            return literal(value)
        raise TypeError(f"cannot inline a {type(value).__name__} parameter")

    names = sorted(params, key=len, reverse=True)
    return re.sub(r"\$(" + "|".join(map(re.escape, names)) + r")\b",
                  lambda m: text(params[m[1]]), sql) if names else sql


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


_NO_ROOM = re.compile(r"No space left on device|File too large|Disk quota exceeded", re.I)


def no_room(exc: BaseException) -> str:
    """What to do, when DuckDB could not write a file for want of room ('' otherwise)."""
    if _NO_ROOM.search(str(exc)):
        return " (no room to write on that disk: free space, then run again)"
    return ""


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed cursor as dicts by column name."""
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
