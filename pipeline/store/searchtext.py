"""What search reads of the articles' text: a page's titles and bodies, and the text a
quoted phrase is checked in.

DuckDB reads a row's body by reading the bodies of its whole vector (2,048 articles,
about 10 MB; 17-35 ms of CPU on a cold cache) unless it fetches the row through an
index.  The DuckDB file has one on articles.article_id (migration 0013): then a page's
ten texts are one query of about 1 ms each, and a phrase is checked in a few thousand
articles at about 0.5 ms each.  Without it (a DuckLake catalog, which has no indexes)
the page is read one row id at a time (search_texts_row.sql) and phrases by one scan.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import numpy as np

from pipeline.store.queries import dicts, inline_params, literal, sql_text

INDEX = "articles_article_id"  # migration 0013
FETCH_AT_ONCE = 2000   # ids per indexed query (DuckDB fetches up to 2,048 by index)
FETCH_MAX = 8000       # articles whose text a phrase is checked in by index; more: a scan
THREADS = 2            # rows fetched on this many cursors at once (the machine's cores)


def has_index(con: duckdb.DuckDBPyConnection, catalog: str) -> bool:
    """Whether the warehouse has the index of migration 0013 (a DuckDB file does)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE database_name = "
        f"{literal(catalog)} AND index_name = {literal(INDEX)}").fetchone()
    return bool(row and row[0])


def texts(con: duckdb.DuckDBPyConnection, catalog: str, ids: Sequence[str],
          indexed: bool) -> dict[str, dict[str, Any]]:
    """article_id -> what a result shows of it (title, url, published_at, source, body)."""
    if not ids:
        return {}
    if indexed:  # fetched by the index, row by row, on one thread
        found = dicts(con.execute(render(query("search_texts"), {"ids": list(ids)})))
        return {row["article_id"]: row for row in found}
    rows = dict(con.execute(render(query("search_rowids"), {"ids": list(ids)})).fetchall())
    return _texts_by_row(con, catalog, list(rows.values()))


def phrase_tests(con: duckdb.DuckDBPyConnection, catalog: str, ids: Sequence[str],
                 patterns: Sequence[str], indexed: bool) -> dict[str, tuple[bool, ...]]:
    """article_id -> whether its title and body match each pattern (RE2)."""
    if not ids or not patterns:
        return {}
    tests = Sql(", ".join(f"regexp_matches(text, {literal(p)}) AS t{n}"
                          for n, p in enumerate(patterns)))
    if indexed and len(ids) <= FETCH_MAX:
        def fetch(cursor: duckdb.DuckDBPyConnection, part: list[str]) -> list[tuple[Any, ...]]:
            found = []
            for start in range(0, len(part), FETCH_AT_ONCE):
                sql = render(query("search_phrases"), {
                    "tests": tests, "ids": part[start:start + FETCH_AT_ONCE]})
                found += cursor.execute(sql).fetchall()
            return found

        rows = _on_cursors(con, catalog, list(ids), fetch)
    else:
        array = np.empty(len(ids), dtype=object)
        array[:] = list(ids)
        con.register("search_wanted_ids", {"article_id": array})
        try:
            rows = con.execute(render(query("search_phrases_scan"), {"tests": tests})
                               ).fetchall()
        finally:
            con.unregister("search_wanted_ids")
    return {row[0]: tuple(bool(v) for v in row[1:]) for row in rows}


@contextlib.contextmanager
def cursor_of(con: duckdb.DuckDBPyConnection, catalog: str, zone: str | None = None
              ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the session, for another thread: a connection of its own, so the
    session's catalog and time zone (published_at as the other reads show it) again."""
    zone = zone or _zone(con)
    cursor = con.cursor()
    try:
        cursor.execute(f"USE {catalog}")
        if zone:
            cursor.execute(f"SET TimeZone = {literal(zone)}")
        yield cursor
    finally:
        cursor.close()


def _zone(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT current_setting('TimeZone')").fetchone()
    return str(row[0]) if row else None


@contextlib.contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(row[0]) if row else 1}")


def query(name: str) -> str:
    """A query file without its comment lines (which name the $parameters too)."""
    return "\n".join(line for line in sql_text(name).splitlines()
                     if not line.lstrip().startswith("--"))


class Sql(str):
    """A piece of SQL made here (of checked numbers and quoted strings), written in as is."""


_NAME = re.compile(r"\$([a-z_][a-z0-9_]*)\b")


def render(sql: str, params: dict[str, Any]) -> str:
    """`sql` with each $name written in as a literal, in one pass (store.queries.
    inline_params; floats as DOUBLE, lists as comma-separated items, Sql as it is)."""
    def literal_of(value: Any) -> str:
        if isinstance(value, float):
            return f"{value!r}::DOUBLE"
        return inline_params("$v", {"v": value})

    def value(match: re.Match[str]) -> str:
        if match[1] not in params:
            return match[0]
        given = params[match[1]]
        if isinstance(given, Sql):
            return str(given)
        if isinstance(given, list | tuple):
            return ", ".join(map(literal_of, given)) if given else "NULL"
        return literal_of(given)

    return _NAME.sub(value, sql)


def _texts_by_row(con: duckdb.DuckDBPyConnection, catalog: str, rows: list[int]
                  ) -> dict[str, dict[str, Any]]:
    """Without the index: one query per row id (`rowid BETWEEN x AND x` reads the one
    vector holding it)."""
    template = query("search_texts_row")

    def read(cursor: duckdb.DuckDBPyConnection, part: list[int]) -> list[dict[str, Any]]:
        found = []
        for row in part:
            found += dicts(cursor.execute(inline_params(template, {"row": int(row)})))
        return found

    return {t["article_id"]: t for t in _on_cursors(con, catalog, rows, read)}


def _on_cursors(con: duckdb.DuckDBPyConnection, catalog: str, items: list[Any],
                work: Callable[[duckdb.DuckDBPyConnection, list[Any]], list[Any]]
                ) -> list[Any]:
    """`work` on THREADS shares of the items at once, each on a cursor of the session
    running one DuckDB thread (a few rows fetched gain nothing from more: a third to a
    half less CPU)."""
    zone = _zone(con)

    def run(part: list[Any]) -> list[Any]:
        with cursor_of(con, catalog, zone) as cursor:
            return work(cursor, part)

    parts = [items[n::THREADS] for n in range(THREADS) if items[n::THREADS]]
    with _one_thread(con), ThreadPoolExecutor(max(1, len(parts))) as pool:
        return [found for done in pool.map(run, parts) for found in done]
