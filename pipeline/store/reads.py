"""Read-only queries of `newsvault status` and `status --check` (pipeline.analyze.query).

Values are inlined (checked integers, quoted strings): with parameters duckdb 1.5 imports
pandas, which alone took half of `status`'s time.  Each read copes with an older schema
(a table or column a later migration added: empty, or NULL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.store.queries import dicts, inline_params, literal, sql_text
from pipeline.store.warehouse import Warehouse

SITES = (
    "WITH a AS (SELECT site, count(*) AS articles, "
    "  count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 1 DAY) AS new_24h, "
    "  count(*) FILTER (WHERE status = 'feed') AS from_feed, "
    "  max(published_at) AS newest FROM articles GROUP BY site), "
    "f AS (SELECT site, count(*) FILTER (WHERE state = 'pending') AS pending, "
    "  count(*) FILTER (WHERE state = 'failed') AS failed, "
    "  count(*) FILTER (WHERE state = 'refused') AS refused "
    "  FROM frontier GROUP BY site),"
    "r AS (SELECT DISTINCT ON (site) site, outcome AS last_outcome, run_id AS last_run"
    "  FROM run_sites ORDER BY site, run_id DESC) "
    "SELECT coalesce(a.site, f.site, r.site) AS site, coalesce(articles, 0) AS "
    "articles, coalesce(new_24h, 0) AS new_24h, coalesce(from_feed, 0) AS from_feed, "
    "newest, coalesce(pending, 0) AS pending, coalesce(failed, 0) AS failed, "
    "coalesce(refused, 0) AS refused, last_outcome, last_run "
    "FROM a FULL JOIN f USING (site) FULL JOIN r USING (site) ORDER BY site")


def sites(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Per site: articles, new in 24 h, from feeds, newest, pending, failed, refused,
    the last run's outcome, and `cooling_until` (NULL: not cooling down)."""
    rows = dicts(warehouse.con.execute(SITES))
    until = dict(warehouse.con.execute(
        "SELECT site, max(until) FROM site_cooldowns WHERE until > now() GROUP BY site"
    ).fetchall()) if has_table(warehouse, "site_cooldowns") else {}
    return [{**row, "cooling_until": until.get(row["site"])} for row in rows]


def errors(warehouse: Warehouse, limit: int = 10) -> list[dict[str, Any]]:
    """The last errors of sites, runs and captures, newest first."""
    return dicts(warehouse.con.execute(
        "SELECT * FROM (SELECT run_id, site, 'site' AS kind, error AS detail "
        "FROM run_sites WHERE error IS NOT NULL "
        + ("UNION ALL SELECT run_id, NULL, 'run', error FROM runs WHERE error IS NOT "
           "NULL " if has_column(warehouse, "runs", "error") else "") +
        "UNION ALL SELECT run_id, site, purpose, url || ': ' || coalesce(detail, error) "
        f"FROM captures WHERE error IS NOT NULL) ORDER BY run_id DESC LIMIT {int(limit)}"))


def gaps(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Open list gaps per site and list (view open_gaps; none before migration 0008)."""
    if not has_table(warehouse, "open_gaps"):
        return []
    return dicts(warehouse.con.execute(
        "SELECT site, list_name, min(run_id) AS since_run, count(*) AS runs, "
        "bool_or(depth_cut) AS depth_cut FROM open_gaps GROUP BY ALL ORDER BY ALL"))


def site_gaps(warehouse: Warehouse, site: str) -> list[tuple[str, int, int, bool]]:
    """(list, first run, runs, depth cut) of the site's open gaps."""
    return warehouse.con.execute(
        "SELECT list_name, min(run_id), count(*), bool_or(depth_cut) FROM open_gaps "
        f"WHERE site = {literal(site)} GROUP BY list_name ORDER BY list_name").fetchall()


def last_runs(warehouse: Warehouse, limit: int) -> list[dict[str, Any]]:
    """The last runs, newest first, as recorded."""
    extra = ("error, progress, progress_at" if has_column(warehouse, "runs", "progress")
             else "NULL AS error, NULL AS progress, NULL AS progress_at")
    extra += (", heartbeat_at" if has_column(warehouse, "runs", "heartbeat_at")  # team mode
              else ", NULL AS heartbeat_at")
    return dicts(warehouse.con.execute(
        "SELECT run_id, command, started_at, finished_at, outcome, exit_code, summary, sites, "
        f"host, pid, {extra} FROM runs ORDER BY run_id DESC LIMIT {int(limit)}"))


def capture_totals(warehouse: Warehouse) -> tuple[int, int, int, int]:
    """(articles, raw response payload bytes, responses, revisits)."""
    row = warehouse.con.execute(
        "SELECT (SELECT count(*) FROM articles), "
        "coalesce(sum(body_size) FILTER (WHERE record_type = 'response'), 0), "
        "count(*) FILTER (WHERE record_type = 'response'), "
        "count(*) FILTER (WHERE record_type = 'revisit') FROM captures").fetchone()
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else (0, 0, 0, 0)


def health(warehouse: Warehouse, runs: int) -> list[dict[str, Any]]:
    """The last `runs` extraction_health rows per site, newest first."""
    if not has_table(warehouse, "extraction_health"):
        return []
    return dicts(warehouse.con.execute(
        "SELECT * EXCLUDE (n) FROM (SELECT *, row_number() OVER (PARTITION BY site ORDER BY "
        f"run_id DESC) AS n FROM extraction_health) WHERE n <= {int(runs):d} "
        "ORDER BY site, run_id DESC"))


def last_ok_crawl(warehouse: Warehouse, site: str) -> dt.datetime | None:
    """When the last crawl that went well for `site` started."""
    row = warehouse.con.execute(
        "SELECT max(r.started_at) FROM run_sites s JOIN runs r USING (run_id) "
        f"WHERE s.site = {literal(site)} AND s.outcome = 'ok' AND r.command = 'crawl'"
    ).fetchone()
    return row[0] if row else None


def last_block_rate(warehouse: Warehouse, site: str) -> float | None:
    row = warehouse.con.execute(
        f"SELECT block_rate FROM run_sites WHERE site = {literal(site)} "
        "ORDER BY run_id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def site_outcome(warehouse: Warehouse, run_id: int, site: str) -> tuple[str, str | None] | None:
    """(outcome, error) of one site in one run."""
    row = warehouse.con.execute(
        f"SELECT outcome, error FROM run_sites WHERE run_id = {int(run_id)}"
        f" AND site = {literal(site)}").fetchone()
    return (row[0], row[1]) if row else None


def coverage(warehouse: Warehouse, site: str | None, since: dt.datetime | None,
             until: dt.datetime | None, by: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The coverage query (warehouse/queries/coverage.sql): columns and rows."""
    cursor = warehouse.con.execute(inline_params(sql_text("coverage"), {  # no pandas
        "site": site, "since": since, "until": until, "by": by}))
    return [d[0] for d in cursor.description], cursor.fetchall()


def has_column(warehouse: Warehouse, table: str, column: str) -> bool:
    row = warehouse.con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND table_name = {literal(table)} AND column_name = {literal(column)}").fetchone()
    return bool(row and row[0])


def has_table(warehouse: Warehouse, name: str) -> bool:
    """A table or view of that name in the warehouse."""
    rows = warehouse.con.execute(
        f"SELECT count(*) FROM duckdb_tables() WHERE table_name = {literal(name)}"
        " AND database_name = current_database() UNION ALL SELECT count(*) FROM "
        f"duckdb_views() WHERE view_name = {literal(name)} AND database_name = "
        "current_database()").fetchall()
    return sum(r[0] for r in rows) > 0
