"""The DuckDB warehouse: attach, migrate, write batches, record runs.

The database is ATTACHed under a catalog name (`warehouse.catalog`, default `nv`) and
made the default with USE, so every statement runs against that catalog and never
against DuckDB's implicit `main`.  Pointing `warehouse.attach` at
'ducklake:postgres:...' (with `extensions = ["ducklake"]`) turns the same code into a
DuckLake writer.  SQL lives in warehouse/migrations/*.sql (versioned, applied in order)
and warehouse/queries/*.sql (loaded by name).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import random
import re
import time
import zlib
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from pipeline import __version__
from pipeline.config.settings import WarehouseSettings
from pipeline.core import faults
from pipeline.core.errors import WarehouseBusy, WarehouseError
from pipeline.core.records import Article, Link, utcnow
from pipeline.extract import EXTRACTOR_VERSION
from pipeline.store.lock import describe_process
from pipeline.store.records import (
    ARTICLE_COLUMNS,
    CAPTURE_COLUMNS,
    LISTS_SCHEMA,
    RUN_LIST_COLUMNS,
    Batch,
    BatchResult,
    CaptureRow,
)

log = logging.getLogger(__name__)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


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


class Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection, settings: WarehouseSettings,
                 read_only: bool) -> None:
        self.con = con
        self.settings = settings
        self.read_only = read_only
        self.catalog = settings.catalog
        self._depth = 0
        # Called after each committed batch with the ids of its new and updated articles
        # (pipeline.index.terms.crawl_hook, set by the writing commands, indexes their terms).
        self.after_store: Callable[[Warehouse, list[str]], None] | None = None
        self._changed: list[str] = []  # new/updated ids waiting for the commit
        self._own = True  # the session is this warehouse's own (closed with it)
        self._lists: bool | None = None  # schema has list_items (see _lists_recorded)

    # -------------------------------------------------------------------- lifecycle

    @classmethod
    def connect(cls, settings: WarehouseSettings) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB session with the warehouse's extensions and settings, to
        attach the warehouse to (`open(con=...)`); a job that opens the file many times
        keeps one and attaches and detaches the file on it."""
        con = duckdb.connect(":memory:")
        try:
            for extension in settings.extensions:
                _load_extension(con, extension)
            con.execute(f"SET TimeZone = {_literal(settings.timezone)}")
            if settings.memory_limit:
                con.execute(f"SET memory_limit = {_literal(settings.memory_limit)}")
        except duckdb.Error as exc:
            con.close()
            raise _attach_error(settings.attach or settings.path, exc) from None
        except BaseException:
            con.close()
            raise
        return con

    @classmethod
    def open(cls, settings: WarehouseSettings, *, read_only: bool = False,
             migrate: bool = True, con: duckdb.DuckDBPyConnection | None = None,
             check: bool = True) -> Warehouse:
        """Attach the warehouse (to `con`, or to a session of its own); `close()` lets
        the file go again.  WarehouseBusy when another process holds it."""
        if not _IDENT.match(settings.catalog):
            raise WarehouseError(f"warehouse.catalog {settings.catalog!r} is not a plain name "
                                 "(letters, digits, underscore)")
        target = settings.attach or settings.path
        if not settings.attach:
            path = Path(settings.path)
            if read_only and not path.exists():
                raise WarehouseError(f"no warehouse at {path}: run `newsvault crawl` first, or "
                                     "give --warehouse PATH")
            if not read_only:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise WarehouseError(f"cannot create the folder of {path}: "
                                         f"{exc.strerror}") from None
        own = con is None
        session = cls.connect(settings) if con is None else con
        try:
            options = [o for o in ("READ_ONLY" if read_only else "", settings.attach_options) if o]
            suffix = f" ({', '.join(options)})" if options else ""
            session.execute(f"ATTACH {_literal(target)} AS {settings.catalog}{suffix}")
            session.execute(f"USE {settings.catalog}")
        except duckdb.Error as exc:
            if own:
                session.close()
            raise _attach_error(target, exc) from None
        warehouse = cls(session, settings, read_only)
        warehouse._own = own
        try:
            if migrate and not read_only:
                warehouse.migrate()
            elif read_only and check:
                warehouse.check_version()
        except BaseException:
            warehouse.close()
            raise
        return warehouse

    @classmethod
    def open_waiting(cls, settings: WarehouseSettings, *, read_only: bool = False,
                     wait: float | None = None, migrate: bool = True,
                     con: duckdb.DuckDBPyConnection | None = None,
                     check: bool = True) -> Warehouse:
        """Open, waiting up to `wait` seconds (default warehouse.lock_wait) while another
        process holds the file.  A crawl holds it only while it commits a batch (well
        under a second), so the first tries come quickly, then back off a little."""
        deadline = time.monotonic() + (settings.lock_wait if wait is None else wait)
        delay = 0.03
        while True:
            try:
                return cls.open(settings, read_only=read_only, migrate=migrate, con=con,
                                check=check)
            except WarehouseBusy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                pause = min(delay * random.uniform(0.7, 1.3), left)
                log.debug("the warehouse is busy; trying again in %.2f s", pause)
                time.sleep(pause)
                delay = min(delay * 1.5, 0.5)

    def close(self) -> None:
        """Let the file go: close the session, or detach from a shared one."""
        with contextlib.suppress(duckdb.Error):
            if self._own:
                self.con.close()
            else:
                self.con.execute("USE memory")
                self.con.execute(f"DETACH {self.catalog}")

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------- migrations

    def schema_version(self) -> int:
        # The catalog is inlined (a checked identifier), not a parameter: with parameters
        # duckdb 1.5 imports pandas when installed, 0.3 s of every read-only command.
        exists = self.con.execute(
            f"SELECT count(*) FROM duckdb_tables() WHERE database_name = {_literal(self.catalog)}"
            " AND table_name = 'schema_migrations'").fetchone()
        if not exists or not exists[0]:
            return 0
        row = self.con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    def check_version(self) -> None:
        """For readers: a schema this code knows, and not an empty file."""
        self.check_not_newer()
        if self.schema_version() == 0:
            raise WarehouseError("the warehouse is empty (no schema yet): run `newsvault "
                                 "crawl` first")

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, each in its own transaction."""
        self.con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL,"
                         " name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
        self.check_not_newer()
        done = {row[0] for row in self.con.execute(
            "SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, sql in migrations():  # every one not applied yet, in order
            if version in done:
                continue
            try:
                self.con.begin()
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                 [version, name, utcnow()])
                self.con.commit()
            except duckdb.Error as exc:
                self.con.rollback()
                raise WarehouseError(f"migration {version:04d}_{name} failed: "
                                     f"{_first_line(exc)}") from None
            applied.append(version)
        return applied

    def check_not_newer(self) -> None:
        known = max((v for v, _, _ in migrations()), default=0)
        current = self.schema_version()
        if current > known:
            raise WarehouseError(f"the warehouse has schema version {current}, newer than this "
                                 f"newsvault knows ({known}): upgrade newsvault")

    # --------------------------------------------------------------------- queries

    def query(self, name: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql_text(name), params or {}).fetchall()

    def run_script(self, name: str, params: dict[str, Any] | None = None) -> None:
        """Run a query file of several statements, each with the parameters it names."""
        for statement in split_statements(sql_text(name)):
            used = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
            self.con.execute(statement, used)

    def known(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        return {row[0] for row in self.query("known_ids", {"ids": ids})}

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql_text("pending"), {"site": site, "limit": limit})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def list_seen(self, site: str, list_name: str) -> bool:
        if not self._lists_recorded():
            return bool(self.con.execute(
                "SELECT count(*) FROM frontier WHERE site = ? AND list_name = ?",
                [site, list_name]).fetchone()[0])  # type: ignore[index]
        rows = self.query("list_seen", {"site": site, "list_name": list_name})
        return bool(rows and rows[0][0])

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        """Which of `ids` this list showed before run `horizon`."""
        if not ids:
            return set()
        if not self._lists_recorded():  # a reader of a schema before 0008 (spooling)
            return self.known(ids)
        return {row[0] for row in self.query("known_before", {
            "site": site, "list_name": list_name, "ids": ids, "horizon": horizon})}

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        """The run of the list's oldest possible gap not closed yet and the cursor where
        paging over it last stopped short (None: from the top); None without a gap."""
        if not self._lists_recorded():
            return None
        rows = self.query("open_gap", {"site": site, "list_name": list_name})
        if not rows or rows[0][0] is None:
            return None
        run_id, resume = rows[0]
        cursor = json.loads(resume) if resume else None
        return int(run_id), cursor if isinstance(cursor, dict) else None

    def _lists_recorded(self) -> bool:
        """Whether the schema has list_items and run_lists (migration 0008)."""
        if self._lists is None:
            self._lists = self.schema_version() >= LISTS_SCHEMA
        return self._lists

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        self._transaction(lambda: self.con.execute(sql_text("requeue_refetch"), {
            "site": site, "now": now, "fetched_before": fetched_before,
            "published_after": published_after, "max_refetches": max_refetches}))

    def pending_counts(self) -> dict[str, int]:
        return {site: int(n) for site, n in self.query("pending_counts")}

    # ----------------------------------------------------------------------- runs

    def new_run_id(self) -> int:
        now = int(utcnow().timestamp() * 1000)
        row = self.con.execute("SELECT max(run_id) FROM runs").fetchone()
        last = int(row[0]) if row and row[0] is not None else 0
        return max(now, last + 1)

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        now = utcnow()
        self._transaction(lambda: (
            self.con.execute(sql_text("interrupt_stale_runs"), {"now": now}),
            self.con.execute("INSERT INTO runs (run_id, started_at, outcome, sites, version, "
                             "host, pid, config_digest, command) "
                             "VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                             [run_id, now, sites, __version__, host, pid, config_digest,
                              command]),
        ))

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        lists = [[run_id, s["site"], *(row[c] for c in RUN_LIST_COLUMNS)]
                 for s in sites for row in s.get("lists", ())]
        sites = [{k: v for k, v in s.items() if k != "lists"} for s in sites]

        def write() -> None:
            self.con.execute("UPDATE runs SET finished_at = ?, outcome = ?, exit_code = ?, "
                             "summary = ?, error = ?, error_detail = ? WHERE run_id = ?",
                             [utcnow(), outcome, exit_code, summary, error, error_detail,
                              run_id])
            if lists:
                self.con.executemany(
                    f"INSERT INTO run_lists (run_id, site, {', '.join(RUN_LIST_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(RUN_LIST_COLUMNS) + 2))})", lists)
            if sites:
                columns = ["run_id", *sites[0]]
                self.con.executemany(
                    f"INSERT INTO run_sites ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    [[run_id, *s.values()] for s in sites])
            if counters:
                self.con.executemany("INSERT INTO run_counters (run_id, site, key, value) "
                                     "VALUES (?, ?, ?, ?)",
                                     [[run_id, site, key, value] for site, key, value in counters])
        self._transaction(write)

    def set_progress(self, run_id: int, progress: str) -> None:
        """A running run's counts so far (what `newsvault status` shows)."""
        self._transaction(lambda: self.con.execute(
            "UPDATE runs SET progress = ?, progress_at = ? WHERE run_id = ?",
            [progress, utcnow(), run_id]))

    # One interface with pipeline.store.brief.BriefWarehouse: an opened warehouse is held.
    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[Warehouse]:
        yield self

    reading = hold = writing

    # ---------------------------------------------------------------------- writes

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        """Write one batch in one transaction: all of it lands, or none of it.

        `reason` is recorded in article_versions for articles whose content changes."""
        result = BatchResult()
        if not len(batch):
            return result
        self._stage()
        now = utcnow()

        def write() -> None:
            self._stage_links(batch.links)
            self._insert_captures(batch.captures, batch.bodies)
            self._stage_articles(batch.articles, run_id)
            if batch.done:
                self.con.executemany("INSERT INTO staged_done VALUES (?, ?, ?)",
                                     [list(d) for d in batch.done])
            if batch.links:
                self.con.execute(sql_text("add_links"), {"now": now, "run_id": run_id})
            if batch.listed:
                self.con.executemany("INSERT INTO staged_listed VALUES (?, ?, ?)",
                                     [list(x) for x in batch.listed])
                self.con.execute(sql_text("add_listed"), {"run_id": run_id})
            self._write_refusals(batch, run_id, now)
            self.con.execute(sql_text("insert_bodies"))
            if batch.articles:
                hashes = {a.article_id: a.content_hash for a, _, _ in batch.articles}
                for article_id, stored in self.query("article_states"):
                    result.states[article_id] = (
                        "new" if stored is None
                        else "updated" if stored != hashes.get(article_id) else "unchanged")
                self.run_script("merge_articles", {"now": now, "reason": reason})
            if batch.done:
                self.con.execute(sql_text("mark_frontier"),
                                 {"now": now, "max_attempts": max_attempts})
            self._changed.extend(aid for aid, state in result.states.items()
                                 if state != "unchanged")

        self._transaction(write)  # after_store sees the changes once the outermost commit is done
        return result

    def _write_refusals(self, batch: Batch, run_id: int, now: dt.datetime) -> None:
        """Feed texts kept for refused pages, and cooldowns begun (migration 0009)."""
        if batch.feeds:
            self.con.executemany(
                "INSERT INTO staged_feed VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[ln.article_id, ln.site, ln.list_name, ln.url, ln.title, ln.published_at,
                  ln.feed_text, capture_id] for ln, capture_id in batch.feeds])
            self.con.execute(sql_text("add_feed_items"), {"now": now})
        if batch.cooldowns:
            self.con.executemany(
                "INSERT INTO site_cooldowns (site, since, until, reason, run_id) "
                "VALUES (?, ?, ?, ?, ?)", [[*c, run_id] for c in batch.cooldowns])

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        """Until when `site` is left alone after a challenge or risk page, and why."""
        rows = self.query("cooldown", {"site": site, "now": now})
        return (rows[0][0], rows[0][1] or "") if rows else None

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        """The text a feed gave for an article (None: no feed carried it)."""
        cursor = self.con.execute(sql_text("feed_item"), {"article_id": article_id})
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def _stage(self) -> None:
        """Fresh staging tables for a batch: recreated, not emptied, because rows deleted
        from an in-memory table keep their memory and a long run would grow."""
        self.run_script("stage")

    def _stage_links(self, links: list[Link]) -> None:
        if links:
            self.con.executemany(
                "INSERT INTO staged_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[ln.article_id, ln.site, ln.kind, ln.url, ln.list_name, ln.title,
                  ln.published_at, "done" if ln.record is not None else "pending"]
                 for ln in links])

    def _insert_captures(self, captures: list[CaptureRow],
                         bodies: list[tuple[str, bytes]]) -> None:
        if captures:
            self.con.executemany(
                f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(CAPTURE_COLUMNS))})",
                [dataclasses.astuple(row) for row in captures])
        if bodies and self.settings.store_bodies:
            self.con.executemany("INSERT INTO staged_bodies VALUES (?, ?, ?, ?)",
                                 [[sha, "zlib", len(raw), zlib.compress(raw, 6)]
                                  for sha, raw in bodies])

    def _stage_articles(self, articles: list[tuple[Article, int | None, dt.datetime]],
                        run_id: int) -> None:
        if not articles:
            return
        rows = []
        for a, capture_id, fetched_at in articles:
            rows.append([a.article_id, a.site, a.kind, a.url, a.canonical_url, a.title, a.body,
                         a.author, a.source, a.published_at, a.tags, a.summary, a.lang,
                         a.source_url, a.extractor, EXTRACTOR_VERSION, a.decode_rule,
                         json.dumps(a.provenance, ensure_ascii=False), a.content_hash,
                         capture_id, fetched_at, fetched_at, fetched_at, run_id,
                         a.status, a.original_source, a.original_author])  # 0006 columns
        self.con.executemany(f"INSERT INTO staged_articles ({', '.join(ARTICLE_COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})", rows)

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        """One extraction_health row per site of a run (see pipeline.extract.health)."""
        if not rows:
            return
        columns = ("site", "pages", "empty_share", "no_title_share", "no_date_share",
                   "noise_share", "generic_share", "blocked_share")
        self._transaction(lambda: self.con.executemany(
            f"INSERT INTO extraction_health (run_id, {', '.join(columns)}) VALUES "
            f"(?, {', '.join('?' * len(columns))})",
            [[run_id, *(row[c] for c in columns)] for row in rows]))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested uses join the outer one."""
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
            faults.checkpoint("commit")
            self.con.commit()
            self._depth = 0
            changed, self._changed = self._changed, []
            if changed and self.after_store is not None:
                self.after_store(self, changed)
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise WarehouseError(f"writing to the warehouse failed: {_first_line(exc)}") from None
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise
        finally:
            self._depth = 0
            self._changed = []

    def _transaction(self, work: Any) -> None:
        with self.transaction():
            work()


# ---------------------------------------------------------------------------- helpers

def split_statements(sql: str) -> list[str]:
    """Statements of a query file: they end with ';' at the end of a line."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.M)
    return [part.strip() for part in parts if part.strip()]


def inline_params(sql: str, params: dict[str, Any]) -> str:
    """`sql` with its $name parameters written in as SQL literals.  For the read paths
    that must start fast (`status`): duckdb 1.5 imports pandas (0.3 s) for any query
    with a parameter that is not NULL."""
    def literal(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, dt.datetime):
            kind = "TIMESTAMPTZ" if value.tzinfo is not None else "TIMESTAMP"
            return f"{kind} {_literal(value.isoformat())}"
        if isinstance(value, dt.date):
            return f"DATE {_literal(value.isoformat())}"
        if isinstance(value, str):
            return _literal(value)
        raise TypeError(f"cannot inline a {type(value).__name__} parameter")

    names = sorted(params, key=len, reverse=True)
    return re.sub(r"\$(" + "|".join(map(re.escape, names)) + r")\b",
                  lambda m: literal(params[m[1]]), sql) if names else sql


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if name == "ducklake":
        try:
            import duckdb_extension_ducklake as pkg  # type: ignore[import-not-found]
        except ImportError:
            con.execute("LOAD ducklake")
            return
        folder = Path(pkg.__file__).parent / "extensions"
        found = sorted(folder.glob("*/ducklake.duckdb_extension"))
        if not found:
            raise WarehouseError(f"duckdb-extension-ducklake has no extension file in {folder}")
        con.execute(f"LOAD {_literal(str(found[-1]))}")
    elif name.endswith(".duckdb_extension"):
        con.execute(f"LOAD {_literal(name)}")
    elif _IDENT.match(name):
        con.execute(f"LOAD {name}")
    else:
        raise WarehouseError(f"warehouse.extensions: {name!r} is neither an extension name "
                             "nor a .duckdb_extension path")


def _attach_error(target: str, exc: duckdb.Error) -> WarehouseError:
    text = _first_line(exc)
    lowered = text.lower()
    if "lock" in lowered and ("conflicting" in lowered or "could not set" in lowered):
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(exc))
        who = f" by {describe_process(int(holder[2]), Path(target + '.lock'))}" if holder else ""
        return WarehouseBusy(f"the warehouse {target} is in use{who}: DuckDB allows one writer "
                             "or many readers; try again when it is free")
    if "not a valid DuckDB database" in text or "not a valid" in text:
        return WarehouseError(f"{target} is not a DuckDB database: point --warehouse at a "
                              "DuckDB file (or a new path)")
    if "version" in text.lower() and ("storage" in text.lower() or "serializ" in text.lower()):
        return WarehouseError(f"{target} was written by another DuckDB version ({text}): use "
                              "the DuckDB version that wrote it, or a new path")
    return WarehouseError(f"cannot open the warehouse {target}: {text}")
