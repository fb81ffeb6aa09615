"""The sandbox of `newsvault sql`: one read-only query on the warehouse, nothing else.

    check_query(text)         -> the statement to run, or QueryError saying what is allowed
    lock_down(con)            -> after the warehouse is attached read-only
    run_query(warehouse, statement)   -> columns and rows, in the locked-down session

Two independent walls:

* the text: DuckDB's own parser must find exactly one statement, a query (SELECT, WITH,
  VALUES, FROM ..., DESCRIBE, SHOW, SUMMARIZE, PIVOT, or EXPLAIN of one of them); its
  parse tree (json_serialize_sql) may call only the table functions of ALLOWED_FUNCTIONS
  (no read_csv, read_text, glob, query ...) and may name no file as a table;
* the session: external access off (no file, no network, no INSTALL/LOAD, no ATTACH of
  a new file), extension auto-install/auto-load off, then the configuration locked.  A
  DuckLake catalog's data path stays readable (`allowed_directories`), as its Parquet
  files are the data.

The warehouse itself is attached READ_ONLY by pipeline.store.warehouse, so its bytes never
change whatever the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

import duckdb

from pipeline.core.errors import QueryError
from pipeline.store.queries import literal

ALLOWED = ("one read-only query (SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE, "
           "PIVOT, or EXPLAIN of one)")
_FIRST_WORDS = frozenset({"SELECT", "WITH", "VALUES", "FROM", "DESCRIBE", "DESC", "SHOW",
                          "SUMMARIZE", "PIVOT", "UNPIVOT", "EXPLAIN", "("})
# Table functions a query may call: generators, JSON, and the catalog's own descriptions.
# Everything else (read_*, *_scan, glob, sniff_csv, parquet_*, query, query_table,
# checkpoint, ducklake_cleanup_old_files, ...) reads files, runs SQL or changes state.
ALLOWED_FUNCTIONS = frozenset({
    "range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree",
    "histogram", "histogram_values", "summary", "pg_timezone_names", "icu_calendar_names",
    "duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_dependencies",
    "duckdb_extensions", "duckdb_functions", "duckdb_indexes", "duckdb_keywords",
    "duckdb_memory", "duckdb_optimizers", "duckdb_schemas", "duckdb_sequences",
    "duckdb_settings", "duckdb_tables", "duckdb_types", "duckdb_variables", "duckdb_views",
    "pragma_collations", "pragma_database_size", "pragma_platform", "pragma_show",
    "pragma_storage_info", "pragma_table_info", "pragma_version",
    "ducklake_snapshots", "ducklake_table_info", "ducklake_list_files", "ducklake_options",
    "ducklake_settings", "ducklake_current_snapshot", "ducklake_last_committed_snapshot",
    "ducklake_table_changes", "ducklake_table_insertions", "ducklake_table_deletions",
})
_FILE_LIKE = re.compile(r"[/\\:]|\.[A-Za-z0-9]{1,8}$")  # a path, URL or file name
_WORD = re.compile(r"[A-Za-z_]+|\(")


def check_query(text: str) -> str:
    """The single read-only statement of `text`; QueryError (one line) for anything else."""
    statements = _parse(text)
    if not statements:
        raise QueryError(f"the query is empty: give {ALLOWED}, e.g. "
                         "newsvault sql \"SELECT count(*) FROM articles\"")
    if len(statements) > 1 and _first_word(text) == "PIVOT" and ";" not in text:
        raise QueryError("a PIVOT without an IN list creates a type first, which the "
                         "read-only sandbox does not allow: name the values, e.g. PIVOT "
                         "articles ON site IN ('36kr', 'netease') USING count(*)")
    if len(statements) > 1:
        raise QueryError(f"{len(statements)} statements given: newsvault sql runs {ALLOWED}")
    _check_statement(text, statements[0])
    return text


def _parse(text: str) -> list[duckdb.Statement]:
    try:
        return duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryError(f"SQL error: {_first_line(exc)}") from None


def _check_statement(text: str, statement: duckdb.Statement, inner: bool = False) -> None:
    word = _first_word(text)
    kind = statement.type.name
    if kind == "EXPLAIN" and word == "EXPLAIN" and not inner:
        _check_explained(text)
        return
    if kind != "SELECT" or word not in _FIRST_WORDS - {"EXPLAIN"}:
        raise QueryError(f"{word or kind} is not allowed: newsvault sql runs {ALLOWED} on the "
                         "warehouse, read-only (outside files: see README, Ad-hoc SQL)")
    _check_tree(text)


def _check_explained(text: str) -> None:
    """EXPLAIN [ANALYZE] [(options)] <query>: the query must pass on its own (EXPLAIN
    ANALYZE runs it)."""
    tokens = duckdb.tokenize(text)
    i = 1
    if i < len(tokens) and _word_at(text, tokens[i][0]) == "ANALYZE":
        i += 1
    if i < len(tokens) and text[tokens[i][0]] == "(":
        depth = 0
        while i < len(tokens):
            char = text[tokens[i][0]]
            depth += char == "("
            depth -= char == ")"
            i += 1
            if depth == 0:
                break
    if i >= len(tokens):
        raise QueryError(f"EXPLAIN of nothing: newsvault sql runs {ALLOWED}")
    rest = text[tokens[i][0]:]
    statements = _parse(rest)
    if len(statements) != 1:
        raise QueryError(f"EXPLAIN takes one query: newsvault sql runs {ALLOWED}")
    _check_statement(rest, statements[0], inner=True)


def _check_tree(text: str) -> None:
    """No table function outside ALLOWED_FUNCTIONS, no file named as a table."""
    con = duckdb.connect(":memory:")
    try:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [text]).fetchone()[0])
    finally:
        con.close()
    if tree.get("error"):
        raise QueryError(f"SQL error: {tree.get('error_message', 'cannot parse the query')}")
    for node in _nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name not in ALLOWED_FUNCTIONS:
                raise QueryError(f"the table function {name}() is not allowed: newsvault sql "
                                 "reads only the warehouse (outside files: see README, "
                                 "Ad-hoc SQL)")
        elif kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if _FILE_LIKE.search(name) and name != "\\":
                raise QueryError(f"{name!r} is not a table of the warehouse: newsvault sql "
                                 "reads no files (outside files: see README, Ad-hoc SQL)")


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _first_word(text: str) -> str:
    tokens = duckdb.tokenize(text)
    return _word_at(text, tokens[0][0]) if tokens else ""


def _word_at(text: str, offset: int) -> str:
    match = _WORD.match(text, offset)
    return match[0].upper() if match else text[offset:offset + 1]


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No files, no network, no extensions, no configuration changes from here on; the
    data path of an attached DuckLake catalog stays readable."""
    data_paths = [str(options["data_path"]) for options, in con.execute(
        "SELECT options FROM duckdb_databases() WHERE type = 'ducklake'").fetchall()
        if options and options.get("data_path")]
    try:
        if data_paths:
            listed = ", ".join(literal(p) for p in data_paths)
            con.execute(f"SET allowed_directories = [{listed}]")
        for setting in ("enable_external_access", "autoinstall_known_extensions",
                        "autoload_known_extensions", "python_enable_replacements"):
            con.execute(f"SET {setting} = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        raise QueryError(f"cannot set up the read-only sandbox: {_first_line(exc)}") from None


class Attached(Protocol):
    """A warehouse attached read-only: the DuckDB file's, or team mode's lake."""

    con: duckdb.DuckDBPyConnection


def run_query(warehouse: Attached, statement: str, params: list[Any] | None = None
              ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a checked statement (`check_query`) on a warehouse attached read-only, in the
    locked-down session: its column names and rows."""
    lock_down(warehouse.con)
    try:
        cursor = warehouse.con.execute(statement, params or [])
    except duckdb.Error as exc:
        raise QueryError(f"SQL error: {_first_line(exc)}") from None
    if cursor.description is None:
        return [], []
    return [d[0] for d in cursor.description], cursor.fetchall()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in lines[:2]) if lines else type(exc).__name__
