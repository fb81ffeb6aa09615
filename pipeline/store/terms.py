"""The DuckDB file's term index (migration 0004): read articles to index, write a
segmented batch, recount the daily counts, say how current the index is.

A segmented batch (pipeline.store.records.Segmented) travels as a batch-local
vocabulary and integer arrays, because DuckDB takes numeric numpy arrays seven times
faster than Python strings.  The SQL (warehouse/queries/terms_*.sql) maps local codes
to vocabulary ids, numbers new articles, and writes rows, per-day deltas and doc records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np

from pipeline.core.errors import WarehouseError
from pipeline.core.records import utcnow
from pipeline.store.queries import literal, sql_text
from pipeline.store.records import ClusterRule, IndexStatus, Segmented, TermRow
from pipeline.store.session import Session

_BATCH_TABLES = ("batch_docs", "batch_rows", "batch_vocab", "batch_old")


class Terms(Session):
    # reads ---------------------------------------------------------------------------
    def term_rows(self, ids: Sequence[str]) -> list[TermRow]:
        """The stored articles of these ids (in storage order)."""
        rows = [r[0] for r in self.query("terms_rowids", {"ids": list(ids)})]
        return self.term_rows_at(rows)

    def term_rows_at(self, rows: Sequence[int]) -> list[TermRow]:
        """The articles at these row ids."""
        if not rows:
            return []
        return [TermRow(*r) for r in self.query("terms_articles", {
            "lo": min(rows), "hi": max(rows), "rows": list(rows)})]

    def term_status(self, version: str) -> IndexStatus:
        row = self.con.execute(sql_text("terms_status"), {"version": version}).fetchone()
        articles, current, stale, missing, months = row if row else (0, 0, 0, 0, 0)
        return IndexStatus(int(articles), int(current), int(stale), int(missing), int(months),
                           version)

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        rows = self.con.execute("SELECT term, term_id FROM term_ids WHERE term IN "
                                f"({', '.join(map(literal, wanted))})").fetchall()
        return {term: int(term_id) for term, term_id in rows}

    def index_lag(self, version: str) -> tuple[int, int]:
        """(articles not indexed with `version`, months awaiting a recount)."""
        row = self.con.execute(
            "SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM term_docs "
            f"WHERE index_version = {literal(version)}), "
            "(SELECT count(DISTINCT month) FROM term_recount)").fetchone()
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    # the worklist of `newsvault terms` ---------------------------------------------------
    def index_todo(self, version: str, rebuild: bool = False) -> int:
        """Number the articles to index (missing, stale, or all with `rebuild`), in
        storage order, in a temp table; returns how many."""
        if rebuild:
            self.con.execute("UPDATE term_docs SET index_version = 'rebuild'")
        try:
            self.con.execute(sql_text("terms_todo"), {"version": version})
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot list the articles to index: {exc}") from None
        row = self.con.execute("SELECT count(*) FROM index_todo").fetchone()
        return int(row[0]) if row else 0

    def index_todo_rows(self, start: int, count: int) -> list[TermRow]:
        """Articles `start + 1` to `start + count` of the worklist."""
        rows = [r[0] for r in self.con.execute(
            f"SELECT row FROM index_todo WHERE n > {int(start)} AND n <= {int(start + count)} "
            "ORDER BY n").fetchall()]
        return self.term_rows_at(rows)

    def limit_memory(self, limit: str) -> None:
        """Cap DuckDB's memory for a long job (it keeps up to 80% of the machine's
        memory of cached table blocks otherwise)."""
        self.con.execute(f"SET memory_limit = {literal(limit)}")

    # writes --------------------------------------------------------------------------
    def write_terms(self, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        """Replace the index of these articles, all in one transaction."""
        if not rows:
            return
        try:
            with self.transaction(checkpoint=None):
                self._register_docs(rows, seg, {}, version)
                previous = {aid: (doc, site, day) for aid, doc, site, day in
                            self.query("terms_previous")}
                docs = self._number(rows, previous)
                self._register_docs(rows, seg, docs, version)
                matches = self.query("terms_candidates", {"window": rule.window,
                                                          "distance": rule.distance})
                found = rule.assign([(docs[r.article_id], r.day) for r in rows], matches)
                self._register_docs(rows, seg, docs, version, found)
                if previous:
                    self._retract(list(previous.values()), deltas)
                self._register_rows(seg)
                self.run_script("terms_write")
                self.run_script("terms_deltas" if deltas else "terms_mark")
        finally:
            for name in _BATCH_TABLES:
                with contextlib.suppress(duckdb.Error):
                    self.con.unregister(name)

    def recount_terms(self) -> int:
        months = [m for (m,) in self.query("terms_months")]
        for month in months:
            with self.transaction(checkpoint=None):
                self.run_script("terms_recount", {"month": month})
        return len(months)

    def fill_term_lengths(self) -> int:
        """Give the articles indexed before migration 0012 their length and 来源 (one
        transaction); returns how many it filled."""
        row = self.con.execute("SELECT count(*) FROM term_docs WHERE length IS NULL").fetchone()
        missing = int(row[0]) if row else 0
        if missing:
            with self.transaction(checkpoint=None):
                self.run_script("terms_fill")
        return missing

    def _number(self, rows: Sequence[TermRow], previous: dict[str, tuple[int, str, Any]]
                ) -> dict[str, int]:
        """Doc numbers: an indexed article keeps its own, a new one gets the next."""
        row = self.con.execute("SELECT coalesce(max(doc), 0) FROM term_docs").fetchone()
        last = int(row[0]) if row else 0
        docs = {}
        for r in rows:
            if r.article_id in previous:
                docs[r.article_id] = previous[r.article_id][0]
            elif r.article_id not in docs:
                last += 1
                docs[r.article_id] = last
        return docs

    def _retract(self, old: list[tuple[int, str, Any]], deltas: bool) -> None:
        days = [day for _, _, day in old]
        dated = None not in days
        self.con.register("batch_old", {
            "doc": np.array([doc for doc, _, _ in old], dtype=np.int32),
            "site": _objects([site for _, site, _ in old]),
            "day": _objects(days),
        })
        self.run_script("terms_retract", {"lo": min(days) if dated else None,
                                          "hi": max(days) if dated else None,
                                          "deltas": deltas})

    def _register_docs(self, rows: Sequence[TermRow], seg: Segmented, docs: dict[str, int],
                       version: str, clusters: dict[int, int] | None = None) -> None:
        numbers = [docs.get(r.article_id, 0) for r in rows]
        self.con.register("batch_docs", {
            "idx": np.arange(len(rows), dtype=np.int32),
            "doc": np.array(numbers, dtype=np.int32),
            "article_id": _objects([r.article_id for r in rows]),
            "site": _objects([r.site for r in rows]),
            "day": _objects([r.day for r in rows]),
            "content_hash": _objects([r.content_hash for r in rows]),
            "index_version": _objects([version] * len(rows)),
            "terms": seg.sizes,
            "simhash": _objects(seg.simhash),
            "cluster": np.array([(clusters or {}).get(n, n) for n in numbers], dtype=np.int32),
            "indexed_at": _objects([utcnow()] * len(rows)),
            "length": _lengths(seg, len(rows)),
            "source": _objects([r.source for r in rows]),
        })

    def _register_rows(self, seg: Segmented) -> None:
        self.con.register("batch_vocab", {"code": np.arange(len(seg.vocab), dtype=np.int32),
                                          "term": _objects(seg.vocab)})
        self.con.register("batch_rows", {
            "idx": np.repeat(np.arange(len(seg.sizes), dtype=np.int32), seg.sizes),
            "code": seg.codes,
            "count": seg.counts,
            "in_title": seg.titled,
        })


def _lengths(seg: Segmented, articles: int) -> np.ndarray:
    """Each article's terms with repeats (title and body): BM25's document length."""
    idx = np.repeat(np.arange(articles, dtype=np.int32), seg.sizes)
    return np.bincount(idx, weights=seg.counts, minlength=articles).astype(np.int32)


def _objects(values: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
