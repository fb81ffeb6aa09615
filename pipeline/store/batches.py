"""The DuckDB file's archive rows: a batch's captures, bodies and articles (with their
versions), extraction health (pipeline.store.interfaces.ArchiveData, without terms)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib
from typing import Any

from pipeline.core.records import Article, utcnow
from pipeline.extract import EXTRACTOR_VERSION
from pipeline.store.frontier import Frontier
from pipeline.store.queries import sql_text
from pipeline.store.records import (
    ARTICLE_COLUMNS,
    CAPTURE_COLUMNS,
    Batch,
    BatchResult,
    CaptureRow,
)

HEALTH_COLUMNS = ("site", "pages", "empty_share", "no_title_share", "no_date_share",
                  "noise_share", "generic_share", "blocked_share")


class Batches(Frontier):
    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        """Write one batch in one transaction: all of it lands, or none of it.

        `reason` is recorded in article_versions for articles whose content changes."""
        result = BatchResult()
        if not len(batch):
            return result
        self.run_script("stage")  # fresh staging tables (see stage.sql)
        now = utcnow()

        def write() -> None:
            self._archive_rows(batch, run_id, reason, now, result)
            self._frontier_rows(batch, run_id, max_attempts, now)

        self._transaction(write)  # after_store sees the changes once the outermost commit is done
        return result

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch"
                      ) -> BatchResult:
        result = BatchResult()
        if batch.captures or batch.bodies or batch.articles:
            self.run_script("stage")
            self._transaction(lambda: self._archive_rows(batch, run_id, reason, utcnow(),
                                                         result))
        return result

    def _archive_rows(self, batch: Batch, run_id: int, reason: str, now: dt.datetime,
                      result: BatchResult) -> None:
        """Captures, bodies (once per sha256) and articles: new ones inserted, changed
        ones replaced with their old state kept in article_versions."""
        self._insert_captures(batch.captures, batch.bodies)
        self._stage_articles(batch.articles, run_id)
        self.con.execute(sql_text("insert_bodies"))
        if batch.articles:
            hashes = {a.article_id: a.content_hash for a, _, _ in batch.articles}
            for article_id, stored in self.query("article_states"):
                result.add(article_id, stored, hashes.get(article_id))
            self.run_script("merge_articles", {"now": now, "reason": reason})
        self._changed.extend(aid for aid, state in result.states.items()
                             if state != "unchanged")

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

    def stored_hashes(self, ids: list[str]) -> dict[str, str | None]:
        """article_id -> content hash of the stored articles among `ids`."""
        if not ids:
            return {}
        return dict(self.con.execute(
            "SELECT article_id, content_hash FROM articles WHERE article_id IN "
            "(SELECT unnest($ids))", {"ids": ids}).fetchall())

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        """One extraction_health row per site of a run (see pipeline.extract.health)."""
        if not rows:
            return
        self._transaction(lambda: self.con.executemany(
            f"INSERT INTO extraction_health (run_id, {', '.join(HEALTH_COLUMNS)}) VALUES "
            f"(?, {', '.join('?' * len(HEALTH_COLUMNS))})",
            [[run_id, *(row[c] for c in HEALTH_COLUMNS)] for row in rows]))

    def revisits(self, urls: list[str]) -> list[tuple[Any, ...]]:
        return self.query("preload_revisits", {"urls": urls})

    def stored_body(self, sha256: str) -> bytes | None:
        """The raw body stored under `sha256` (None: not stored)."""
        row = self.con.execute("SELECT data FROM bodies WHERE sha256 = ?", [sha256]).fetchone()
        return zlib.decompress(row[0]) if row else None

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        """Articles to extract again with their captures (reextract_candidates.sql)."""
        return self.records("reextract_candidates", {
            "everything": everything, "version": version, "site": site, "since": since,
            "first": first, "last": last})
