"""Writing the term index: a batch of articles, segmented, into the four index tables.

    seg = segment_batch(segmenter, rows)        # pure Python; runs in worker processes
    TermWriter(warehouse, segmenter.digest).write(rows, seg)   # one transaction

A segmented batch travels as a batch-local vocabulary (the distinct terms, each once)
and integer arrays (which term, how often, in the title), because DuckDB takes numeric
numpy arrays seven times faster than Python strings.  The SQL (warehouse/queries/
terms_*.sql) maps local codes to vocabulary ids, numbers new articles, and writes rows,
per-day deltas and doc records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from pipeline.core.records import utcnow
from pipeline.index import fingerprint
from pipeline.index.segment import Segmenter
from pipeline.store.warehouse import Warehouse, sql_text

_PARAM = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class Row:
    """What the indexer reads of an article."""

    article_id: str
    site: str
    day: dt.date | None
    title: str | None
    body: str | None
    content_hash: str | None
    source: str | None = None      # 来源, kept in term_docs for search facets


@dataclass
class Segmented:
    """One batch, segmented: a local vocabulary and integer columns (numpy arrays, which
    also pickle fast from a worker process)."""

    vocab: list[str]               # code -> term
    codes: np.ndarray              # per row: code of its term
    counts: np.ndarray             # per row: occurrences
    titled: np.ndarray             # per row: in the title
    sizes: np.ndarray              # per article: its rows
    simhash: list[int | None]
    lengths: np.ndarray            # per article: its terms with repeats (BM25's length)


class _Codes(dict[str, int]):
    def __missing__(self, term: str) -> int:
        self[term] = code = len(self)
        return code


def segment_batch(segmenter: Segmenter, rows: Sequence[Row]) -> Segmented:
    """Count each article's terms (title and body) and fingerprint its body."""
    local = _Codes()
    codes: list[int] = []
    counts: list[int] = []
    titled: list[bool] = []
    sizes: list[int] = []
    body_sizes: list[int] = []
    lengths: list[int] = []
    for row in rows:
        body, title = segmenter.count(row.title, row.body)
        body_sizes.append(len(body))
        body.update(title)
        lengths.append(body.total())  # title and body; the body's terms stay first (dict order)
        codes.extend(map(local.__getitem__, body))
        counts.extend(body.values())
        titled.extend(map(title.__contains__, body))
        sizes.append(len(body))
    vocab = list(local)
    code_array = np.array(codes, dtype=np.int32)
    return Segmented(vocab, code_array, np.array(counts, dtype=np.int32),
                     np.array(titled, dtype=np.bool_), np.array(sizes, dtype=np.int32),
                     _body_simhashes(vocab, code_array, sizes, body_sizes),
                     np.array(lengths, dtype=np.int32))


def _body_simhashes(vocab: list[str], codes: np.ndarray, sizes: list[int],
                    body_sizes: list[int]) -> list[int | None]:
    """Each article's SimHash over the terms of its body (the first `body_sizes[i]` of
    its rows), hashing each distinct term of the batch once."""
    hashes = fingerprint.term_hashes(vocab)[codes]
    ends = np.cumsum(sizes)
    in_body = np.arange(len(codes)) < np.repeat(ends - sizes + np.array(body_sizes), sizes)
    return fingerprint.simhashes_of(hashes[in_body], np.array(body_sizes, dtype=np.int64))


class TermWriter:
    """Writes batches into the term index of an open (read-write) warehouse.

    With `deltas` (the crawl's small batches) each batch adds its own rows to the daily
    counts; without (a bulk index) it marks its months, which `recount` then rebuilds
    from the article rows at once: cheaper than a delta per batch, and sorted.
    """

    def __init__(self, warehouse: Warehouse, version: str, *, deltas: bool = True) -> None:
        self.con = warehouse.con
        self.version = version
        self.deltas = deltas

    def write(self, rows: Sequence[Row], seg: Segmented) -> None:
        """Replace the index of these articles, all in one transaction."""
        if not rows:
            return
        self.con.begin()
        try:
            self._register_docs(rows, seg, {})
            previous = {aid: (doc, site, day) for aid, doc, site, day in
                        self.con.execute(sql_text("terms_previous")).fetchall()}
            docs = self._number(rows, previous)
            self._register_docs(rows, seg, docs)
            self._register_docs(rows, seg, docs, self._clusters(rows, docs))
            if previous:
                self._retract(list(previous.values()))
            self._register_rows(seg)
            run_script(self.con, "terms_write")
            run_script(self.con, "terms_deltas" if self.deltas else "terms_mark")
            self.con.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise
        finally:
            for name in ("batch_docs", "batch_rows", "batch_vocab", "batch_old"):
                with contextlib.suppress(duckdb.Error):
                    self.con.unregister(name)

    def _number(self, rows: Sequence[Row], previous: dict[str, tuple[int, str, Any]]
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

    def _clusters(self, rows: Sequence[Row], docs: dict[str, int]) -> dict[int, int]:
        matches = [fingerprint.Match(*r) for r in self.con.execute(
            sql_text("terms_candidates"), {"window": fingerprint.WINDOW_DAYS,
                                           "distance": fingerprint.MAX_DISTANCE}).fetchall()]
        return fingerprint.assign_clusters([(docs[r.article_id], r.day) for r in rows],
                                           matches)

    def _retract(self, old: list[tuple[int, str, Any]]) -> None:
        days = [day for _, _, day in old]
        dated = None not in days
        self.con.register("batch_old", {
            "doc": np.array([doc for doc, _, _ in old], dtype=np.int32),
            "site": _objects([site for _, site, _ in old]),
            "day": _objects(days),
        })
        run_script(self.con, "terms_retract", {"lo": min(days) if dated else None,
                                               "hi": max(days) if dated else None,
                                               "deltas": self.deltas})

    def _register_docs(self, rows: Sequence[Row], seg: Segmented, docs: dict[str, int],
                       clusters: dict[int, int] | None = None) -> None:
        numbers = [docs.get(r.article_id, 0) for r in rows]
        self.con.register("batch_docs", {
            "idx": np.arange(len(rows), dtype=np.int32),
            "doc": np.array(numbers, dtype=np.int32),
            "article_id": _objects([r.article_id for r in rows]),
            "site": _objects([r.site for r in rows]),
            "day": _objects([r.day for r in rows]),
            "content_hash": _objects([r.content_hash for r in rows]),
            "index_version": _objects([self.version] * len(rows)),
            "terms": seg.sizes,
            "simhash": _objects(seg.simhash),
            "cluster": np.array([(clusters or {}).get(n, n) for n in numbers], dtype=np.int32),
            "indexed_at": _objects([utcnow()] * len(rows)),
            "length": seg.lengths,
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


def recount(warehouse: Warehouse) -> int:
    """Rebuild the daily counts of every month marked by a bulk index or holding the
    crawl's deltas, one month per transaction; returns how many months."""
    con = warehouse.con
    months = [m for (m,) in con.execute(sql_text("terms_months")).fetchall()]
    for month in months:
        con.begin()
        try:
            run_script(con, "terms_recount", {"month": month})
            con.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise
    return len(months)


def fill_lengths(warehouse: Warehouse) -> int:
    """Give the articles indexed before migration 0012 their length and 来源 (one
    transaction); returns how many it filled."""
    con = warehouse.con
    row = con.execute("SELECT count(*) FROM term_docs WHERE length IS NULL").fetchone()
    missing = int(row[0]) if row else 0
    if missing:
        con.begin()
        try:
            run_script(con, "terms_fill")
            con.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise
    return missing


def run_script(con: duckdb.DuckDBPyConnection, name: str,
               params: dict[str, Any] | None = None) -> None:
    """Run a query file statement by statement, each with the parameters it names."""
    for statement in _statements(sql_text(name)):
        used = {key: value for key, value in (params or {}).items()
                if key in _PARAM.findall(statement)}
        con.execute(statement, used) if used else con.execute(statement)


def _statements(text: str) -> list[str]:
    """Split on ';' at line ends (the query files put one there after each statement)."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";")]


def _objects(values: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
