"""Team mode's archive data (issue 16 point 3): the ArchiveData of a DuckLake whose
catalog is in PostgreSQL and whose files are under warehouse.data_path.

    with Lake.open(settings) as lake:
        result = lake.write_archive(batch, run_id)      # one batch, one transaction

Append-only: captures, bodies, article_states (one row per stored extraction, with its
node and batch), article_versions and extraction_health are only inserted; `articles`
is a view of the latest state per article id.  DuckLake conflicts are per table and
only an UPDATE or DELETE makes an INSERT fail, so insert-only batches of many nodes
commit side by side; what remains is DuckLake's own race for the next snapshot id,
which it retries `ducklake_max_retry_count` times.  Past that, the whole batch is
retried here with jitter, and never applied twice: each batch has an id recorded in
`lake_batches` in its own transaction (and in the snapshot's commit message), and a
retry first looks it up.

Each batch commits under the shared maintenance advisory lock, so `newsvault maintain`
(the exclusive holder, the one job that rewrites files) never overlaps a commit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import random
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import duckdb
import psycopg

from pipeline.config.settings import Settings
from pipeline.core import faults
from pipeline.core.errors import WarehouseError
from pipeline.core.records import Article, utcnow
from pipeline.extract import EXTRACTOR_VERSION
from pipeline.store.queries import literal, split_statements
from pipeline.store.records import ARTICLE_COLUMNS, CAPTURE_COLUMNS, Batch, BatchResult
from pipeline.store.team.laketerms import IdSource, LakeTerms
from pipeline.store.team.session import (
    MAINTENANCE_LOCK,
    advisory,
    attach,
    attach_control,
    duck_session,
    full_text,
    lake_sql,
    pg_session,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_TRIES = 8          # whole-batch attempts after DuckLake's own retries are spent
RETRY_BASE = 0.05      # seconds; doubled per attempt, with full jitter
RETRYABLE = ("conflict", "failed to commit", "duplicate key", "could not serialize",
             "deadlock", "retry count")
INSERT_CHUNK = 200     # rows per INSERT statement
HEALTH_COLUMNS = ("site", "pages", "empty_share", "no_title_share", "no_date_share",
                  "noise_share", "generic_share", "blocked_share")


class Lake(LakeTerms):
    """The archive data of team mode (pipeline.store.interfaces.ArchiveData); `ids`
    (the control state) numbers the term index's docs and terms."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pg: psycopg.Connection | None,
                 settings: Settings, read_only: bool) -> None:
        self.con = con
        self.pg = pg
        self.settings = settings
        self.node = settings.node()
        self.catalog = settings.warehouse.catalog
        self.read_only = read_only
        self.max_tries = MAX_TRIES
        self.retries = 0  # whole-batch retries so far (reported by benchmarks)
        # A seam for the tests: called inside the transaction just before COMMIT.
        self.before_commit: Callable[[int], None] | None = None
        self.ids: IdSource | None = None
        self._depth = 0

    @classmethod
    def open(cls, settings: Settings, *, read_only: bool = False,
             control: bool = False, capped: bool = True,
             ids: IdSource | None = None) -> Lake:
        """Attach the lake (a writer creates and migrates it, race-free); `control`: a
        reader also sees the control state read-only as catalog `ctl`; `capped`: a
        writer keeps to warehouse.memory_limit (maintenance, which rewrites whole
        files, does not); `ids`: where the term index's numbers come from (the
        control state, PgControl)."""
        pg = None if read_only else pg_session(settings.warehouse.path)
        try:
            con = duck_session(settings, writer=not read_only and capped)
        except BaseException:
            if pg is not None:
                pg.close()
            raise
        lake = cls(con, pg, settings, read_only)
        lake.ids = ids
        try:
            attach(con, pg, settings, read_only=read_only)
            if control and read_only:
                attach_control(con, settings)
        except BaseException:
            lake.close()
            raise
        return lake

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()
        if self.pg is not None:
            with contextlib.suppress(psycopg.Error):
                self.pg.close()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------------ reads

    def query(self, name: str, params: dict[str, Any] | None = None
              ) -> list[tuple[Any, ...]]:
        return self.con.execute(lake_sql(name), params or {}).fetchall()

    def revisits(self, urls: list[str]) -> list[tuple[str, str, str, Any, int]]:
        return self.query("preload_revisits", {"urls": urls})  # type: ignore[return-value]

    def records(self, name: str, params: dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
        """The rows of a named query as dicts."""
        cursor = self.con.execute(lake_sql(name), params or {})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stored_ids(self, ids: list[str]) -> set[str]:
        """Which of `ids` have a stored article (any state row)."""
        if not ids:
            return set()
        return {r[0] for r in self.con.execute(
            "SELECT DISTINCT article_id FROM article_states "
            "WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}

    def backfill_runs(self, site: str) -> list[int]:
        """The runs that stored archived captures of `site` (captures.purpose 'backfill')."""
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT run_id FROM captures WHERE purpose = 'backfill' AND site = ? "
            "ORDER BY run_id", [site]).fetchall()]

    def stored_body(self, sha256: str) -> bytes | None:
        """The raw body kept under `sha256` (warehouse.store_bodies; None: not kept)."""
        row = self.con.execute("SELECT data FROM bodies WHERE sha256 = ? LIMIT 1",
                               [sha256]).fetchone()
        return zlib.decompress(row[0]) if row else None

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        """Stored articles to extract again, each with the capture it came from (the
        DuckDB file's reextract_candidates.sql, over the `articles` view)."""
        return self.records("reextract_candidates", {
            "everything": everything, "version": version, "site": site, "since": since,
            "first": first, "last": last})

    def landed(self, batch_id: str) -> bool:
        """Whether a batch of this id is committed."""
        row = self.con.execute("SELECT count(*) FROM lake_batches WHERE batch_id = ?",
                               [batch_id]).fetchone()
        return bool(row and row[0])

    # ----------------------------------------------------------------------- writes

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch",
                      batch_id: str | None = None) -> BatchResult:
        """A batch's captures, bodies and article states in one transaction, retried
        whole on a commit conflict and applied exactly once."""
        if not (batch.captures or batch.articles or batch.bodies):
            return BatchResult()
        batch_id = batch_id or self.batch_id(run_id)
        counts = (len(batch.captures), len(batch.articles))
        return self.commit(batch_id, run_id, "archive", counts,
                           lambda now: self._write_archive(batch, run_id, reason, batch_id,
                                                           now))

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        """One extraction_health row per site of a run."""
        if not rows:
            return
        values = [[run_id, *(row[c] for c in HEALTH_COLUMNS), self.node] for row in rows]

        def write(now: dt.datetime) -> None:
            self.con.executemany(
                f"INSERT INTO extraction_health (run_id, {', '.join(HEALTH_COLUMNS)}, node) "
                f"VALUES ({', '.join('?' * (len(HEALTH_COLUMNS) + 2))})", values)

        self.commit(self.batch_id(run_id), run_id, "health", (0, 0), write)

    def batch_id(self, run_id: int | str) -> str:
        return f"{self.node}:{run_id}:{uuid.uuid4().hex[:16]}"

    def commit(self, batch_id: str, run_id: int | None, kind: str,
               counts: tuple[int, int], work: Callable[[dt.datetime], T]) -> T:
        """Run `work` in one transaction tagged with the batch id; on a commit conflict
        roll back, wait (exponential, full jitter) and run it again whole, unless the
        batch turns out to have landed after all."""
        result: T | None = None
        for attempt in range(1, self.max_tries + 1):
            try:
                with self._shared_lock():
                    self.con.begin()
                    if attempt > 1 and self.landed(batch_id):
                        self.con.rollback()
                        log.info("lake: batch %s had landed; not applied again", batch_id)
                        return result  # type: ignore[return-value]
                    now = utcnow()
                    result = work(now)
                    self._tag(batch_id, run_id, kind, counts, now)
                    if self.before_commit is not None:
                        self.before_commit(attempt)
                    faults.checkpoint("commit")
                    self.con.commit()
                return result
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    self.con.rollback()
                text = full_text(exc)
                if not _retryable(text) or attempt == self.max_tries:
                    tries = f" (after {attempt} tries)" if attempt > 1 else ""
                    raise WarehouseError(f"writing to the team warehouse failed{tries}: "
                                         f"{text}") from None
                self.retries += 1
                pause = random.uniform(0, RETRY_BASE * 2 ** attempt)
                log.info("lake: batch %s conflicted (%s); try %d in %.2f s", batch_id,
                         text[:200], attempt + 1, pause)
                time.sleep(pause)
            except BaseException:  # a bug, Ctrl-C, a killed run's checkpoint: nothing lands
                with contextlib.suppress(duckdb.Error):
                    self.con.rollback()
                raise
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One plain transaction (no retry: `commit` retries work it can run again);
        nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self._shared_lock():
                self.con.begin()
                yield
                self.con.commit()
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise WarehouseError(f"writing to the team warehouse failed: "
                                 f"{full_text(exc)}") from None
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise
        finally:
            self._depth = 0

    # ---------------------------------------------------------------------- helpers

    @contextlib.contextmanager
    def _shared_lock(self) -> Iterator[None]:
        if self.pg is None:
            raise WarehouseError("the team warehouse was opened read-only")
        with advisory(self.pg, MAINTENANCE_LOCK, shared=True):
            yield

    def _tag(self, batch_id: str, run_id: int | None, kind: str, counts: tuple[int, int],
             now: dt.datetime) -> None:
        self.con.execute("INSERT INTO lake_batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [batch_id, self.node, run_id, kind, counts[0], counts[1], now])
        extra = json.dumps({"batch": batch_id, "run": run_id, "kind": kind})
        self.con.execute(f"CALL {self.catalog}.set_commit_message({literal(self.node)}, "
                         f"{literal(f'{kind} {batch_id}')}, extra_info => {literal(extra)})")

    def _write_archive(self, batch: Batch, run_id: int, reason: str, batch_id: str,
                       now: dt.datetime) -> BatchResult:
        if batch.captures:
            self._insert("captures", [*CAPTURE_COLUMNS, "node", "batch_id"],
                         [[*dataclasses.astuple(row), self.node, batch_id]
                          for row in batch.captures])
        if batch.bodies and self.settings.warehouse.store_bodies:
            self._write_bodies(batch.bodies)
        result = BatchResult()
        if batch.articles:
            self._stage_articles(batch.articles, run_id)
            self.con.execute(lake_sql("stage_current"))
            hashes = {a.article_id: a.content_hash for a, _, _ in batch.articles}
            for article_id, stored in self.query("current_states"):
                result.add(article_id, stored, hashes.get(article_id))
            params = {"now": now, "reason": reason, "node": self.node, "batch_id": batch_id}
            for statement in split_statements(lake_sql("write_states")):
                self.con.execute(statement, {k: v for k, v in params.items()
                                             if f"${k}" in statement})
        return result

    def _write_bodies(self, bodies: list[tuple[str, bytes]]) -> None:
        self.con.execute("CREATE OR REPLACE TEMP TABLE staged_bodies AS "
                         "SELECT * FROM bodies LIMIT 0")
        self.con.executemany("INSERT INTO staged_bodies VALUES (?, ?, ?, ?)",
                             [[sha, "zlib", len(raw), zlib.compress(raw, 6)]
                              for sha, raw in bodies])
        self.con.execute(lake_sql("insert_bodies"))

    def _stage_articles(self, articles: list[tuple[Article, int | None, dt.datetime]],
                        run_id: int) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE staged_articles AS SELECT "
                         f"{', '.join(ARTICLE_COLUMNS)} FROM article_states LIMIT 0")
        rows = [[a.article_id, a.site, a.kind, a.url, a.canonical_url, a.title, a.body,
                 a.author, a.source, a.published_at, a.tags, a.summary, a.lang,
                 a.source_url, a.extractor, EXTRACTOR_VERSION, a.decode_rule,
                 json.dumps(a.provenance, ensure_ascii=False), a.content_hash,
                 capture_id, fetched_at, fetched_at, fetched_at, run_id,
                 a.status, a.original_source, a.original_author]
                for a, capture_id, fetched_at in articles]
        self._insert("staged_articles", ARTICLE_COLUMNS, rows)

    def _insert(self, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        """Rows in few statements of many VALUES each: executemany runs one statement
        per row, which in a DuckLake transaction costs milliseconds apiece."""
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start:start + INSERT_CHUNK]
            values = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(chunk))
            self.con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}",
                             [value for row in chunk for value in row])


def _retryable(text: str) -> bool:
    """A lost race for the next snapshot or a write conflict: worth running again.  A
    file that cannot be written (disk full, permissions) is not."""
    lowered = text.lower()
    if "io error" in lowered or "no space" in lowered or "permission" in lowered:
        return False
    return any(word in lowered for word in RETRYABLE)
