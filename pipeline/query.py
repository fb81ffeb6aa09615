"""Reading the warehouse: ad-hoc SQL and status. Always read-only.

    columns, rows = sql(settings, "SELECT ...")
    report = status(settings)

Exports live in pipeline.export (`export` here is the first version's signature).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

import duckdb

from .coverage import last_days
from .errors import QueryError, UsageError
from .export import EXPORT_COLUMNS  # noqa: F401 (compat: it lived here)
from .export import FORMATS as EXPORT_FORMATS  # noqa: F401
from .health import Health, drift
from .sandbox import check_query, lock_down
from .settings import Settings
from .spool import Spool
from .warehouse import Warehouse


def sql(settings: Settings, query: str, params: list[Any] | None = None
        ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query in the sandbox (pipeline.sandbox); QueryError says what is
    allowed, or carries DuckDB's message."""
    statement = check_query(query)
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        lock_down(warehouse.con)
        try:
            cursor = warehouse.con.execute(statement, params or [])
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


def parse_date(flag: str, value: str) -> dt.datetime:
    """A command-line date (YYYY-MM-DD or ISO time; Beijing time unless an offset is given)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date: use YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return parsed


@dataclass
class Status:
    runs: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, Any]] = field(default_factory=list)
    spool: list[dict[str, Any]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)


def status(settings: Settings, runs: int = 10) -> Status:
    """Last runs, per-site counts and pending work, last errors."""
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        con = warehouse.con
        return Status(
            runs=_dicts(con.execute(
                "SELECT run_id, started_at, finished_at, outcome, exit_code, summary "
                "FROM runs ORDER BY run_id DESC LIMIT ?", [runs])),
            sites=_cooled(con, _dicts(con.execute(
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
                "FROM a FULL JOIN f USING (site) FULL JOIN r USING (site) ORDER BY site"))),
            storage=storage(settings, con),
            spool=[Spool(settings.spool_dir()).summary()],
            errors=_dicts(con.execute(
                "SELECT * FROM (SELECT run_id, site, 'site' AS kind, error AS detail "
                "FROM run_sites WHERE error IS NOT NULL "
                "UNION ALL SELECT run_id, site, purpose, url || ': ' || coalesce(detail, error) "
                "FROM captures WHERE error IS NOT NULL) ORDER BY run_id DESC LIMIT 10")),
            health=_health(con),
            coverage=last_days(con).dicts(),
            gaps=_dicts(con.execute(
                "SELECT site, list_name, min(run_id) AS since_run, count(*) AS runs, "
                "bool_or(depth_cut) AS depth_cut FROM open_gaps GROUP BY ALL ORDER BY ALL"))
            if _has_table(con, "open_gaps") else [],
        )


def _cooled(con: duckdb.DuckDBPyConnection, sites: list[dict[str, Any]]
            ) -> list[dict[str, Any]]:
    """Each site's row with `cooling_until`: until when it is left alone after a
    challenge or risk page (NULL: it is not cooling down)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                         "'site_cooldowns' AND database_name = current_database()").fetchone()
    until = dict(con.execute("SELECT site, max(until) FROM site_cooldowns WHERE until > now() "
                             "GROUP BY site").fetchall()) if exists and exists[0] else {}
    return [{**row, "cooling_until": until.get(row["site"])} for row in sites]


def storage(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Archive size on disk and per article: compressed (WARC files) and raw payloads."""
    folder = settings.archive_dir()
    files = sorted(folder.glob("*.warc.gz")) if folder.is_dir() else []
    disk = sum(f.stat().st_size for f in files)
    row = con.execute(
        "SELECT (SELECT count(*) FROM articles), "
        "coalesce(sum(body_size) FILTER (WHERE record_type = 'response'), 0), "
        "count(*) FILTER (WHERE record_type = 'response'), "
        "count(*) FILTER (WHERE record_type = 'revisit') FROM captures").fetchone()
    articles, raw, responses, revisits = row if row else (0, 0, 0, 0)
    per = (lambda n: round(n / articles) if articles else None)  # noqa: E731
    return [{"archive": str(folder), "warc_files": len(files), "bytes_on_disk": disk,
             "raw_payload_bytes": int(raw), "responses": responses, "revisits": revisits,
             "articles": articles, "disk_bytes_per_article": per(disk),
             "raw_bytes_per_article": per(int(raw))}]


HEALTH_RUNS = 6  # the latest run and the runs it is compared with


def _health(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per site: the latest run's extraction health and what drifted (pipeline.health)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                         "'extraction_health' AND database_name = current_database()").fetchone()
    if not exists or not exists[0]:
        return []
    rows = _dicts(con.execute(
        "SELECT * EXCLUDE (n) FROM (SELECT *, row_number() OVER (PARTITION BY site ORDER BY "
        "run_id DESC) AS n FROM extraction_health) WHERE n <= ? ORDER BY site, run_id DESC",
        [HEALTH_RUNS]))
    report = []
    for site in dict.fromkeys(r["site"] for r in rows):
        runs = [r for r in rows if r["site"] == site]
        current, *previous = (Health(**{k: v for k, v in r.items() if k != "run_id"})
                              for r in runs)
        reasons = drift(current, previous)
        report.append({**runs[0], "flag": "; ".join(reasons) if reasons else "ok"})
    return report


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(line.strip() for line in lines[:2]) if lines else type(exc).__name__


@dataclass
class Check:
    name: str
    site: str | None
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.site or '-'} {self.name}: {self.detail}"


def check(settings: Settings, now: dt.datetime | None = None) -> list[Check]:
    """The monitoring checks of `status --check` (see MonitorSettings)."""
    now = now or dt.datetime.now(dt.UTC)
    monitor = settings.monitor
    window = dt.timedelta(hours=monitor.max_silence)
    checks = []
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        con = warehouse.con
        for site in (n for n, s in settings.sites.items() if s.enabled):
            row = con.execute(
                "SELECT max(r.started_at) FROM run_sites s JOIN runs r USING (run_id) "
                "WHERE s.site = ? AND s.outcome = 'ok' AND r.command = 'crawl'", [site]
            ).fetchone()
            last_ok = row[0] if row else None
            fresh = last_ok is not None and now - last_ok <= window
            checks.append(Check("last successful crawl", site, fresh,
                                f"{_ago(now, last_ok)} (limit {monitor.max_silence:g} h)"))
            row = con.execute(
                "SELECT block_rate FROM run_sites WHERE site = ? ORDER BY run_id DESC LIMIT 1",
                [site]).fetchone()
            rate = row[0] if row else None
            checks.append(Check("block rate", site,
                                rate is None or rate <= monitor.max_block_rate,
                                f"{'n/a' if rate is None else f'{rate:.0%}'} in the last run "
                                f"(limit {monitor.max_block_rate:.0%})"))
            checks.append(_gap_check(con, site))
        for row in _health(con):
            checks.append(Check("extraction health", row["site"], row["flag"] == "ok",
                                f"{row['flag']} ({row['pages']} pages in run {row['run_id']})"))
    spool = Spool(settings.spool_dir())
    oldest = min((p.stat().st_mtime for p in spool.files()), default=None)
    waiting = (dt.datetime.fromtimestamp(oldest, dt.UTC) if oldest is not None else None)
    checks.append(Check("spooled work", None, waiting is None or now - waiting <= window,
                        "none" if waiting is None else
                        f"waiting since {_ago(now, waiting)} in {spool.folder}"))
    return checks


def _gap_check(con: duckdb.DuckDBPyConnection, site: str) -> Check:
    """Lists whose possible gap no later run or backfill has closed (view open_gaps)."""
    if not _has_table(con, "open_gaps"):
        return Check("list gaps", site, True, "not recorded by this warehouse's schema")
    rows = con.execute(
        "SELECT list_name, min(run_id), count(*), bool_or(depth_cut) FROM open_gaps "
        "WHERE site = ? GROUP BY list_name ORDER BY list_name", [site]).fetchall()
    if not rows:
        return Check("list gaps", site, True, "none open")
    parts = [f"{name} since run {first}" + (f" ({n} runs)" if n > 1 else "")
             + (" (depth bound)" if cut else " (one-page list or end of list)")
             for name, first, n, cut in rows]
    return Check("list gaps", site, False,
                 "possible gap in " + ", ".join(parts) + ": a later run reaching back (raise "
                 "max_pages) or a backfill closes it")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND "
                      "database_name = current_database() UNION ALL SELECT count(*) FROM "
                      "duckdb_views() WHERE view_name = ? AND database_name = "
                      "current_database()", [name, name]).fetchall()
    return sum(r[0] for r in row) > 0


def _ago(now: dt.datetime, when: dt.datetime | None) -> str:
    if when is None:
        return "never"
    hours = (now - when).total_seconds() / 3600
    return f"{hours:.1f} h ago"
