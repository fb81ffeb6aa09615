"""Reading the test's warehouse file, read-only, as an analyst would."""

from __future__ import annotations

import duckdb


def rows(sql: str, params: list | None = None, warehouse: str = "news.duckdb") -> list[tuple]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def one(sql: str, params: list | None = None, warehouse: str = "news.duckdb"):
    return rows(sql, params, warehouse)[0][0]
