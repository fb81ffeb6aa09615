"""Reading the warehouse: ad-hoc SQL and status. Always read-only.

    columns, rows = sql(settings, "SELECT ...")
    report = status(settings)

Exports live in pipeline.export (`export` here is the first version's signature).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import duckdb

from .errors import QueryError
from .export import EXPORT_COLUMNS  # noqa: F401 (compat: it lived here)
from .export import FORMATS as EXPORT_FORMATS  # noqa: F401
from .settings import Settings
from .warehouse import Warehouse


def sql(settings: Settings, query: str, params: list[Any] | None = None
        ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query; QueryError carries DuckDB's message."""
    with Warehouse.open(settings.warehouse, read_only=True) as warehouse:
        try:
            cursor = warehouse.con.execute(query, params or [])
        except duckdb.Error as exc:
            raise QueryError(f"SQL error: {_first_line(exc)}") from None
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


def export(settings: Settings, fmt: str, out: str | os.PathLike[str], *,
           site: str | None = None, since: str | None = None, until: str | None = None) -> int:
    """Write articles to `out` as csv, parquet or jsonl; returns the row count.

    Kept for callers of the first version; pipeline.export.export has every option.
    """
    from .export import export as export_articles

    return export_articles(settings, fmt, out, site=site, since=since, until=until).rows


@dataclass
class Status:
    runs: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def status(settings: Settings, runs: int = 10) -> Status:
    """Last runs, per-site counts and pending work, last errors."""
    with Warehouse.open(settings.warehouse, read_only=True) as warehouse:
        con = warehouse.con
        return Status(
            runs=_dicts(con.execute(
                "SELECT run_id, started_at, finished_at, outcome, exit_code, summary "
                "FROM runs ORDER BY run_id DESC LIMIT ?", [runs])),
            sites=_dicts(con.execute(
                "WITH a AS (SELECT site, count(*) AS articles, "
                "  count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 1 DAY) AS new_24h, "
                "  max(published_at) AS newest FROM articles GROUP BY site), "
                "f AS (SELECT site, count(*) FILTER (WHERE state = 'pending') AS pending, "
                "  count(*) FILTER (WHERE state = 'failed') AS failed FROM frontier GROUP BY site),"
                "r AS (SELECT DISTINCT ON (site) site, outcome AS last_outcome, run_id AS last_run"
                "  FROM run_sites ORDER BY site, run_id DESC) "
                "SELECT coalesce(a.site, f.site, r.site) AS site, coalesce(articles, 0) AS "
                "articles, coalesce(new_24h, 0) AS new_24h, newest, coalesce(pending, 0) AS "
                "pending, coalesce(failed, 0) AS failed, last_outcome, last_run "
                "FROM a FULL JOIN f USING (site) FULL JOIN r USING (site) ORDER BY site")),
            errors=_dicts(con.execute(
                "SELECT * FROM (SELECT run_id, site, 'site' AS kind, error AS detail "
                "FROM run_sites WHERE error IS NOT NULL "
                "UNION ALL SELECT run_id, site, purpose, url || ': ' || coalesce(detail, error) "
                "FROM captures WHERE error IS NOT NULL) ORDER BY run_id DESC LIMIT 10")),
        )


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in lines[:2]) if lines else type(exc).__name__
