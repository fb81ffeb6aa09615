"""Reading the warehouse: ad-hoc SQL and status. Always read-only.

    columns, rows = sql(settings, "SELECT ...")
    report = status(settings)

Exports live in pipeline.analyze.export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.analyze.coverage import last_days
from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError
from pipeline.extract.health import Health, drift
from pipeline.store import lock, readers, reads
from pipeline.store.readers import Reader, reading
from pipeline.store.sandbox import check_query, run_query
from pipeline.store.spool import Spool


def sql(settings: Settings, query: str, params: list[Any] | None = None
        ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query in the sandbox (pipeline.store.sandbox); QueryError says what is
    allowed, or carries DuckDB's message."""
    statement = check_query(query)
    if settings.team_mode():  # the lake read-only, the control state beside it as `ctl`
        from pipeline.store.team.lake import Lake  # psycopg and the extensions: team only

        with Lake.open(settings, read_only=True, control=True) as lake:
            return run_query(lake, statement, params)
    with reading(settings) as warehouse:
        return run_query(warehouse, statement, params)


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
    spool = None if settings.team_mode() else Spool(settings.spool_dir())  # none there
    with reading(settings) as warehouse:
        last = last_runs(settings, warehouse, spool, int(runs))
        return Status(
            running=[{"run_id": r["run_id"], "command": r["command"], "pid": r["pid"],
                      "started_at": r["started_at"], "progress": r["progress"],
                      "progress_at": r["progress_at"]}
                     for r in last if r["outcome"] == "running"],
            runs=[{k: r[k] for k in ("run_id", "command", "started_at", "finished_at",
                                     "outcome", "exit_code", "summary")} for r in last],
            sites=reads.sites(warehouse),
            storage=storage(settings, warehouse),
            spool=[spool.summary()] if spool is not None else [],
            errors=reads.errors(warehouse),
            health=_health(warehouse),
            coverage=last_days(warehouse).dicts(),
            gaps=reads.gaps(warehouse),
        )


def last_runs(settings: Settings, warehouse: Reader, spool: Spool | None,
              limit: int) -> list[dict[str, Any]]:
    """The last runs as they are: a 'running' row whose process is gone (killed, the
    machine restarted) is 'interrupted', one whose end waits in the spool says so.  On
    a DuckDB file the run lock tells whether its process lives; in team mode (no spool,
    runs on many nodes) its heartbeat does: stale after team.lease_ttl seconds."""
    rows = reads.last_runs(warehouse, limit)
    running = [r for r in rows if r["outcome"] == "running"]
    if not running:
        return rows
    gone = _stale_heartbeat(settings) if settings.team_mode() else _lock_released(settings)
    spooled = {data["run_id"]: data for _, data in spool.records()
               if data["kind"] == "run-finish"} if spool is not None else {}
    for row in running:
        if row["run_id"] in spooled:
            end = spooled[row["run_id"]]
            row.update(outcome=end["outcome"], exit_code=end["exit_code"],
                       summary=end["summary"])
        elif why := gone(row):
            row["outcome"] = "interrupted"
            row["summary"] = (why + "; the next run resumes the work"
                              + (f"; last progress: {row['progress']}" if row["progress"]
                                 else ""))
        elif row["progress"]:
            row["summary"] = f"running: {row['progress']} (at {row['progress_at']})"
        else:
            row["summary"] = "running: nothing committed yet"
    return rows


def _lock_released(settings: Settings) -> Callable[[dict[str, Any]], str]:
    """A file's run is gone when the run lock is free or held by another run."""
    holder = lock.holder(settings.lock_path())
    live = lock.alive(holder)

    def gone(row: dict[str, Any]) -> str:
        if live is not None and not (live and holder.get("run_id", row["run_id"]) ==
                                     row["run_id"] and holder.get("pid") == row["pid"]):
            return "its process is gone (killed, or the machine stopped)"
        return ""
    return gone


def _stale_heartbeat(settings: Settings) -> Callable[[dict[str, Any]], str]:
    """A team run is gone when its liveness lock is free (its process's connection
    closed) or its heartbeat is older than team.lease_ttl (another node starting never
    makes it so)."""
    now = dt.datetime.now(dt.UTC)
    limit = dt.timedelta(seconds=settings.team.lease_ttl)
    lost = readers.lost_runs(settings)

    def gone(row: dict[str, Any]) -> str:
        if row["run_id"] in lost:
            return (f"its process on node {row['host']} is gone (its connection to the "
                    "team database closed: killed, or the machine stopped)")
        beat = row.get("heartbeat_at")
        if beat is not None and now - beat > limit:
            return (f"its heartbeat stopped {(now - beat).total_seconds():.0f} s ago on node "
                    f"{row['host']} (killed, or the machine stopped)")
        return ""
    return gone


def storage(settings: Settings, warehouse: Reader) -> list[dict[str, Any]]:
    """Archive size on disk and per article: compressed (WARC files) and raw payloads.
    The WARC files are summed over the whole archive root (every node's files, in team
    mode, and any folder below it)."""
    folder = settings.archive_dir()
    files = sorted(folder.rglob("*.warc.gz")) if folder.is_dir() else []
    disk = sum(f.stat().st_size for f in files)
    articles, raw, responses, revisits = reads.capture_totals(warehouse)
    per = (lambda n: round(n / articles) if articles else None)  # noqa: E731
    return [{"archive": str(folder), "warc_files": len(files), "bytes_on_disk": disk,
             "raw_payload_bytes": int(raw), "responses": responses, "revisits": revisits,
             "articles": articles, "disk_bytes_per_article": per(disk),
             "raw_bytes_per_article": per(int(raw))}]


HEALTH_RUNS = 6  # the latest run and the runs it is compared with


def _health(warehouse: Reader) -> list[dict[str, Any]]:
    """Per site: the latest run's extraction health and what drifted (pipeline.extract.health)."""
    rows = reads.health(warehouse, HEALTH_RUNS)
    report = []
    for site in dict.fromkeys(r["site"] for r in rows):
        runs = [r for r in rows if r["site"] == site]
        current, *previous = (Health(**{k: v for k, v in r.items() if k != "run_id"})
                              for r in runs)
        reasons = drift(current, previous)
        report.append({**runs[0], "flag": "; ".join(reasons) if reasons else "ok"})
    return report


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
    spool = None if settings.team_mode() else Spool(settings.spool_dir())  # none there
    with reading(settings) as warehouse:
        runs = [r for r in last_runs(settings, warehouse, spool, 200)
                if r["outcome"] != "running"]
        for site in (n for n, s in settings.sites.items() if s.enabled):
            checks.append(_last_run(warehouse, site, runs))
            last_ok = reads.last_ok_crawl(warehouse, site)
            fresh = last_ok is not None and now - last_ok <= window
            checks.append(Check("last successful crawl", site, fresh,
                                f"{_ago(now, last_ok)} (limit {monitor.max_silence:g} h)"))
            rate = reads.last_block_rate(warehouse, site)
            checks.append(Check("block rate", site,
                                rate is None or rate <= monitor.max_block_rate,
                                f"{'n/a' if rate is None else f'{rate:.0%}'} in the last run "
                                f"(limit {monitor.max_block_rate:.0%})"))
            checks.append(_gap_check(warehouse, site))
        for row in _health(warehouse):
            checks.append(Check("extraction health", row["site"], row["flag"] == "ok",
                                f"{row['flag']} ({row['pages']} pages in run {row['run_id']})"))
    oldest = min((p.stat().st_mtime for p in spool.files()), default=None) if spool else None
    waiting = (dt.datetime.fromtimestamp(oldest, dt.UTC) if oldest is not None else None)
    checks.append(Check("spooled work", None, waiting is None or now - waiting <= window,
                        "none" if waiting is None else
                        f"waiting since {_ago(now, waiting)} in "
                        f"{spool.folder if spool else ''}"))
    return checks


BAD_OUTCOMES = frozenset({"failed", "interrupted"})


def _last_run(warehouse: Reader, site: str, runs: list[dict[str, Any]]) -> Check:
    """The site's last finished run (any command) did not fail, crash or get
    interrupted, and did not fail for this site."""
    run = next((r for r in runs if site in (r["sites"] or [])), None)
    if run is None:
        return Check("last run", site, True, "no run yet")
    row = reads.site_outcome(warehouse, int(run["run_id"]), site)
    outcome, why = run["outcome"], run["error"]
    if outcome not in BAD_OUTCOMES and row and row[0] == "failed":
        outcome, why = "failed", row[1]
    ok = outcome not in BAD_OUTCOMES
    detail = f"{run['command']} run {run['run_id']} {outcome}"
    if not ok:
        detail += f": {why or run['summary'] or 'no reason recorded'}"
    return Check("last run", site, ok, detail)


def _gap_check(warehouse: Reader, site: str) -> Check:
    """Lists whose possible gap no later run or backfill has closed (view open_gaps)."""
    if not reads.has_table(warehouse, "open_gaps"):
        return Check("list gaps", site, True, "not recorded by this warehouse's schema")
    rows = reads.site_gaps(warehouse, site)
    if not rows:
        return Check("list gaps", site, True, "none open")
    parts = [f"{name} since run {first}" + (f" ({n} runs)" if n > 1 else "")
             + (" (depth bound)" if cut else " (one-page list or end of list)")
             for name, first, n, cut in rows]
    return Check("list gaps", site, False,
                 "possible gap in " + ", ".join(parts) + ": a later run reaching back (raise "
                 "max_pages) or a backfill closes it")


def _ago(now: dt.datetime, when: dt.datetime | None) -> str:
    if when is None:
        return "never"
    hours = (now - when).total_seconds() / 3600
    return f"{hours:.1f} h ago"
