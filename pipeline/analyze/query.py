"""Reading the warehouse: ad-hoc SQL and status. Always read-only.

    columns, rows = sql(settings, "SELECT ...")
    report = status(settings)

Exports live in pipeline.analyze.export.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.analyze.coverage import last_days
from pipeline.config.settings import Settings
from pipeline.core.errors import QueryError, UsageError
from pipeline.extract.health import Health, drift
from pipeline.store import lock
from pipeline.store.sandbox import check_query, lock_down
from pipeline.store.spool import Spool
from pipeline.store.warehouse import Warehouse


def sql(settings: Settings, query: str, params: list[Any] | None = None
        ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query in the sandbox (pipeline.store.sandbox); QueryError says what is
    allowed, or carries DuckDB's message."""
    statement = check_query(query)
    with _reader(settings) as con:
        lock_down(con)
        try:
            cursor = con.execute(statement, params or [])
        except duckdb.Error as exc:
            raise QueryError(f"SQL error: {_first_line(exc)}") from None
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


@contextlib.contextmanager
def _reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only session on the warehouse: the DuckDB file, or in team mode the lake
    (its control state beside it as catalog `ctl`)."""
    if settings.team_mode():
        from pipeline.store.team.lake import Lake  # psycopg and the extensions: team only

        with Lake.open(settings, read_only=True, control=True) as lake:
            yield lake.con
        return
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        yield warehouse.con


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
    running: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, Any]] = field(default_factory=list)
    spool: list[dict[str, Any]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)


def status(settings: Settings, runs: int = 10) -> Status:
    """Last runs (a run whose process died shown 'interrupted'), the running one's
    progress, per-site counts and pending work, last errors.

    Parameters are inlined (checked integers): with parameters duckdb 1.5 imports
    pandas, which alone took half of `status`'s time."""
    spool = Spool(settings.spool_dir())
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        con = warehouse.con
        last = last_runs(settings, con, spool, int(runs))
        return Status(
            running=[{"run_id": r["run_id"], "command": r["command"], "pid": r["pid"],
                      "started_at": r["started_at"], "progress": r["progress"],
                      "progress_at": r["progress_at"]}
                     for r in last if r["outcome"] == "running"],
            runs=[{k: r[k] for k in ("run_id", "command", "started_at", "finished_at",
                                     "outcome", "exit_code", "summary")} for r in last],
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
            spool=[spool.summary()],
            errors=_dicts(con.execute(
                "SELECT * FROM (SELECT run_id, site, 'site' AS kind, error AS detail "
                "FROM run_sites WHERE error IS NOT NULL "
                + ("UNION ALL SELECT run_id, NULL, 'run', error FROM runs WHERE error IS NOT "
                   "NULL " if _has_column(con, "runs", "error") else "") +
                "UNION ALL SELECT run_id, site, purpose, url || ': ' || coalesce(detail, error) "
                "FROM captures WHERE error IS NOT NULL) ORDER BY run_id DESC LIMIT 10")),
            health=_health(con),
            coverage=last_days(con).dicts(),
            gaps=_dicts(con.execute(
                "SELECT site, list_name, min(run_id) AS since_run, count(*) AS runs, "
                "bool_or(depth_cut) AS depth_cut FROM open_gaps GROUP BY ALL ORDER BY ALL"))
            if _has_table(con, "open_gaps") else [],
        )


def last_runs(settings: Settings, con: duckdb.DuckDBPyConnection, spool: Spool,
              limit: int) -> list[dict[str, Any]]:
    """The last runs as they are: a 'running' row whose process is gone (killed, the
    machine restarted) is 'interrupted', one whose end waits in the spool says so."""
    extra = ("error, progress, progress_at" if _has_column(con, "runs", "progress")
             else "NULL AS error, NULL AS progress, NULL AS progress_at")
    rows = _dicts(con.execute(
        "SELECT run_id, command, started_at, finished_at, outcome, exit_code, summary, sites, "
        f"host, pid, {extra} FROM runs ORDER BY run_id DESC LIMIT {int(limit)}"))
    running = [r for r in rows if r["outcome"] == "running"]
    if not running:
        return rows
    holder = lock.holder(settings.lock_path())
    live = lock.alive(holder)
    spooled = {data["run_id"]: data for _, data in spool.records()
               if data["kind"] == "run-finish"}
    for row in running:
        if row["run_id"] in spooled:
            end = spooled[row["run_id"]]
            row.update(outcome=end["outcome"], exit_code=end["exit_code"],
                       summary=end["summary"])
        elif live is not None and not (live and holder.get("run_id", row["run_id"]) ==
                                       row["run_id"] and holder.get("pid") == row["pid"]):
            row["outcome"] = "interrupted"
            row["summary"] = ("its process is gone (killed, or the machine stopped); "
                              "the next run resumes the work"
                              + (f"; last progress: {row['progress']}" if row["progress"]
                                 else ""))
        elif row["progress"]:
            row["summary"] = f"running: {row['progress']} (at {row['progress_at']})"
        else:
            row["summary"] = "running: nothing committed yet"
    return rows


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND table_name = '{table}' AND column_name = '{column}'").fetchone()
    return bool(row and row[0])


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
    """Archive size on disk and per article: compressed (WARC files) and raw payloads.
    The WARC files are summed over the whole archive root (every node's files, in team
    mode, and any folder below it)."""
    folder = settings.archive_dir()
    files = sorted(folder.rglob("*.warc.gz")) if folder.is_dir() else []
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
    """Per site: the latest run's extraction health and what drifted (pipeline.extract.health)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                         "'extraction_health' AND database_name = current_database()").fetchone()
    if not exists or not exists[0]:
        return []
    rows = _dicts(con.execute(
        "SELECT * EXCLUDE (n) FROM (SELECT *, row_number() OVER (PARTITION BY site ORDER BY "
        f"run_id DESC) AS n FROM extraction_health) WHERE n <= {HEALTH_RUNS:d} "
        "ORDER BY site, run_id DESC"))
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
    spool = Spool(settings.spool_dir())
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        con = warehouse.con
        runs = [r for r in last_runs(settings, con, spool, 200) if r["outcome"] != "running"]
        for site in (n for n, s in settings.sites.items() if s.enabled):
            checks.append(_last_run(con, site, runs))
            row = con.execute(
                "SELECT max(r.started_at) FROM run_sites s JOIN runs r USING (run_id) "
                f"WHERE s.site = {_quote(site)} AND s.outcome = 'ok' AND r.command = 'crawl'"
            ).fetchone()
            last_ok = row[0] if row else None
            fresh = last_ok is not None and now - last_ok <= window
            checks.append(Check("last successful crawl", site, fresh,
                                f"{_ago(now, last_ok)} (limit {monitor.max_silence:g} h)"))
            row = con.execute(
                f"SELECT block_rate FROM run_sites WHERE site = {_quote(site)} "
                "ORDER BY run_id DESC LIMIT 1").fetchone()
            rate = row[0] if row else None
            checks.append(Check("block rate", site,
                                rate is None or rate <= monitor.max_block_rate,
                                f"{'n/a' if rate is None else f'{rate:.0%}'} in the last run "
                                f"(limit {monitor.max_block_rate:.0%})"))
            checks.append(_gap_check(con, site))
        for row in _health(con):
            checks.append(Check("extraction health", row["site"], row["flag"] == "ok",
                                f"{row['flag']} ({row['pages']} pages in run {row['run_id']})"))
    oldest = min((p.stat().st_mtime for p in spool.files()), default=None)
    waiting = (dt.datetime.fromtimestamp(oldest, dt.UTC) if oldest is not None else None)
    checks.append(Check("spooled work", None, waiting is None or now - waiting <= window,
                        "none" if waiting is None else
                        f"waiting since {_ago(now, waiting)} in {spool.folder}"))
    return checks


BAD_OUTCOMES = frozenset({"failed", "interrupted"})


def _last_run(con: duckdb.DuckDBPyConnection, site: str, runs: list[dict[str, Any]]) -> Check:
    """The site's last finished run (any command) did not fail, crash or get
    interrupted, and did not fail for this site."""
    run = next((r for r in runs if site in (r["sites"] or [])), None)
    if run is None:
        return Check("last run", site, True, "no run yet")
    row = con.execute(f"SELECT outcome, error FROM run_sites WHERE run_id = {int(run['run_id'])}"
                      f" AND site = {_quote(site)}").fetchone()
    outcome, why = run["outcome"], run["error"]
    if outcome not in BAD_OUTCOMES and row and row[0] == "failed":
        outcome, why = "failed", row[1]
    ok = outcome not in BAD_OUTCOMES
    detail = f"{run['command']} run {run['run_id']} {outcome}"
    if not ok:
        detail += f": {why or run['summary'] or 'no reason recorded'}"
    return Check("last run", site, ok, detail)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _gap_check(con: duckdb.DuckDBPyConnection, site: str) -> Check:
    """Lists whose possible gap no later run or backfill has closed (view open_gaps)."""
    if not _has_table(con, "open_gaps"):
        return Check("list gaps", site, True, "not recorded by this warehouse's schema")
    rows = con.execute(
        "SELECT list_name, min(run_id), count(*), bool_or(depth_cut) FROM open_gaps "
        f"WHERE site = {_quote(site)} GROUP BY list_name ORDER BY list_name").fetchall()
    if not rows:
        return Check("list gaps", site, True, "none open")
    parts = [f"{name} since run {first}" + (f" ({n} runs)" if n > 1 else "")
             + (" (depth bound)" if cut else " (one-page list or end of list)")
             for name, first, n, cut in rows]
    return Check("list gaps", site, False,
                 "possible gap in " + ", ".join(parts) + ": a later run reaching back (raise "
                 "max_pages) or a backfill closes it")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = {_quote(name)}"
                      " AND database_name = current_database() UNION ALL SELECT count(*) FROM "
                      f"duckdb_views() WHERE view_name = {_quote(name)} AND database_name = "
                      "current_database()").fetchall()
    return sum(r[0] for r in row) > 0


def _ago(now: dt.datetime, when: dt.datetime | None) -> str:
    if when is None:
        return "never"
    hours = (now - when).total_seconds() / 3600
    return f"{hours:.1f} h ago"
