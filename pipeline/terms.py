"""The term index: which words each article uses, kept current as articles are stored.

    report = update(settings)                    # `newsvault terms`: index what is missing
    hook = crawl_hook(settings)                  # the crawl indexes each stored batch

Tables (warehouse/migrations/0004_terms.sql): `terms` (article, term, count, in_title, and
the article's site and Beijing day), `term_ids` (the vocabulary), `term_docs` (per
indexed article: the content hash and index version it was indexed from, its SimHash and
near-duplicate cluster).  An article's rows are replaced in one transaction.

When is an article (re)indexed?
  * the crawl indexes the new and updated articles of every batch it stores, right
    after the batch commits (a failure there is logged; the articles stay unindexed);
  * `newsvault terms` indexes every article that is not indexed, whose content changed
    since (another writer, a re-extraction), or that was indexed with another
    `index_version`: the digest of segmenter, rules, dictionary and stop-words.  Editing
    configs/terms.txt therefore makes every article stale, and `newsvault terms` re-indexes
    them all, oldest first, one committed batch at a time: a killed run resumes where
    it stopped.  `trend` warns while some articles are stale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import duckdb
import numpy as np

from . import fingerprint
from .errors import WarehouseError
from .lock import RunLock
from .records import utcnow
from .segment import Entry, Segmenter, load_dictionary, load_stopwords
from .settings import Settings
from .warehouse import Warehouse, sql_text

log = logging.getLogger(__name__)
BATCH = 2000


@dataclass(frozen=True)
class Row:
    """What the indexer reads of an article."""

    article_id: str
    site: str
    day: dt.date | None
    title: str | None
    body: str | None
    content_hash: str | None


@dataclass
class Segmented:
    """One batch, segmented: flat columns ready to hand to DuckDB."""

    terms: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    titled: list[bool] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)      # distinct terms per article
    simhash: list[int | None] = field(default_factory=list)


def segment_batch(segmenter: Segmenter, rows: Sequence[Row]) -> Segmented:
    """Count each article's terms (title and body) and fingerprint its body."""
    out = Segmented()
    bodies = []
    for row in rows:
        body, title = segmenter.count(row.title, row.body)
        merged = body + title
        out.terms.extend(merged)
        out.counts.extend(merged.values())
        out.titled.extend(map(title.__contains__, merged))
        out.sizes.append(len(merged))
        bodies.append(body)
    out.simhash = fingerprint.simhashes(bodies)
    return out


# ----------------------------------------------------------------------------- writing

class TermWriter:
    """Writes batches into the term index of an open (read-write) warehouse."""

    def __init__(self, warehouse: Warehouse, version: str) -> None:
        self.con = warehouse.con
        self.version = version

    def write(self, rows: Sequence[Row], seg: Segmented) -> None:
        """Replace the index rows of these articles, all in one transaction."""
        if not rows:
            return
        ids = [r.article_id for r in rows]
        self.con.begin()
        try:
            previous = dict(self.con.execute(sql_text("terms_previous"), {"ids": ids})
                            .fetchall())
            self._register_docs(rows, seg, {r.article_id: r.article_id for r in rows})
            self._register_docs(rows, seg, self._clusters(rows, seg))
            self._register_terms(rows, seg)
            if previous:
                days = list(previous.values())
                dated = None not in days
                self.con.execute(sql_text("terms_delete"), {
                    "ids": list(previous), "lo": min(days) if dated else None,
                    "hi": max(days) if dated else None})
            self.con.execute(sql_text("terms_vocabulary"))
            self.con.execute(sql_text("terms_insert"))
            self.con.execute(sql_text("terms_docs"))
            self.con.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            raise
        finally:
            for name in ("batch_docs", "batch_terms"):
                with contextlib.suppress(duckdb.Error):
                    self.con.unregister(name)

    def _clusters(self, rows: Sequence[Row], seg: Segmented) -> dict[str, str]:
        stored = [fingerprint.Doc(*r) for r in self.con.execute(
            sql_text("terms_candidates"), {"window": fingerprint.WINDOW_DAYS}).fetchall()]
        new = [fingerprint.Doc(r.article_id, r.day, h)
               for r, h in zip(rows, seg.simhash, strict=True)]
        return fingerprint.assign_clusters(new, stored)

    def _register_docs(self, rows: Sequence[Row], seg: Segmented,
                       clusters: dict[str, str]) -> None:
        now = utcnow()
        self.con.register("batch_docs", {
            "article_id": _objects([r.article_id for r in rows]),
            "site": _objects([r.site for r in rows]),
            "day": _objects([r.day for r in rows]),
            "content_hash": _objects([r.content_hash for r in rows]),
            "index_version": _objects([self.version] * len(rows)),
            "terms": np.array(seg.sizes, dtype=np.int32),
            "simhash": _objects(seg.simhash),
            "cluster": _objects([clusters[r.article_id] for r in rows]),
            "indexed_at": _objects([now] * len(rows)),
        })

    def _register_terms(self, rows: Sequence[Row], seg: Segmented) -> None:
        owners = np.repeat(_objects([r.article_id for r in rows]), seg.sizes)
        self.con.register("batch_terms", {
            "article_id": owners,
            "term": _objects(seg.terms),
            "count": np.array(seg.counts, dtype=np.int32),
            "in_title": np.array(seg.titled, dtype=np.bool_),
        })


def _objects(values: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


# ------------------------------------------------------------------------ crawl hook

def index_articles(warehouse: Warehouse, segmenter: Segmenter, ids: Sequence[str]) -> int:
    """(Re)index these articles now; returns how many were indexed."""
    rows = [Row(*r) for r in warehouse.con.execute(sql_text("terms_articles"),
                                                   {"ids": list(ids)}).fetchall()]
    TermWriter(warehouse, segmenter.digest).write(rows, segment_batch(segmenter, rows))
    return len(rows)


def crawl_hook(settings: Settings) -> Callable[[Warehouse, list[str]], None] | None:
    """What the crawl calls after each stored batch with its new and updated article ids.

    None when `terms.index_on_crawl` is off.  A dictionary that cannot be read, or a
    failing index write, is logged and never stops the crawl: the articles stay
    unindexed until `newsvault terms` (which reports the error with exit 2).
    """
    if not settings.terms.index_on_crawl:
        return None
    state: dict[str, Segmenter | None] = {}

    def hook(warehouse: Warehouse, ids: list[str]) -> None:
        if "segmenter" not in state:
            try:
                state["segmenter"] = Segmenter.from_settings(settings.terms)
            except Exception as exc:  # a broken dictionary must not stop the archive
                log.warning("terms not indexed during this crawl: %s", exc)
                state["segmenter"] = None
        segmenter = state["segmenter"]
        if segmenter is None or not ids:
            return
        try:
            index_articles(warehouse, segmenter, ids)
        except duckdb.Error as exc:
            log.warning("terms of %d articles not indexed (run `newsvault terms`): %s",
                        len(ids), str(exc).splitlines()[0])

    return hook


# ------------------------------------------------------------------------ the command

@dataclass
class IndexStatus:
    articles: int
    current: int
    stale: int
    missing: int
    version: str

    @property
    def todo(self) -> int:
        return self.stale + self.missing


def status(con: duckdb.DuckDBPyConnection, version: str) -> IndexStatus:
    """How many articles are indexed with this version and their current content."""
    row = con.execute(sql_text("terms_status"), {"version": version}).fetchone()
    articles, current, stale, missing = row if row else (0, 0, 0, 0)
    return IndexStatus(int(articles), int(current), int(stale), int(missing), version)


@dataclass
class IndexReport:
    indexed: int
    seconds: float
    status: IndexStatus

    @property
    def summary(self) -> str:
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        return (f"indexed {self.indexed} articles in {self.seconds:.1f} s ({rate:.0f}/s); "
                f"{self.status.current} of {self.status.articles} current, "
                f"index version {self.status.version}")


def update(settings: Settings, *, rebuild: bool = False, workers: int | None = None,
           batch: int = BATCH, progress: Callable[[int, int], None] | None = None
           ) -> IndexReport:
    """Index every article that is missing or stale (all of them with `rebuild`).

    Takes the run lock, so a crawl started meanwhile exits 75 and cron retries it.
    `workers` segmenting processes (default: one per CPU when there is much to do).
    """
    entries, _ = load_dictionary(settings.terms.dictionary)
    stopwords = load_stopwords(settings.terms.stopwords)
    segmenter = Segmenter(entries, stopwords)
    started = time.perf_counter()
    with RunLock(settings.lock_path(), command="terms"), \
            Warehouse.open(settings.warehouse) as warehouse:
        if rebuild:
            warehouse.con.execute("UPDATE term_docs SET index_version = 'rebuild'")
        todo = _worklist(warehouse, segmenter.digest)
        if workers is None:
            workers = (os.cpu_count() or 1) if todo > 4 * batch else 1
        writer = TermWriter(warehouse, segmenter.digest)
        done = 0
        for rows, seg in _segmented(warehouse, segmenter, (entries, stopwords), todo, batch,
                                    workers):
            writer.write(rows, seg)
            done += len(rows)
            if progress:
                progress(done, todo)
        final = status(warehouse.con, segmenter.digest)
    return IndexReport(done, time.perf_counter() - started, final)


def _worklist(warehouse: Warehouse, version: str) -> int:
    """Number the articles to index, oldest first, in a temp table; returns how many."""
    con = warehouse.con
    try:
        con.execute(sql_text("terms_todo"), {"version": version})
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot list the articles to index: {exc}") from None
    row = con.execute("SELECT count(*) FROM index_todo").fetchone()
    return int(row[0]) if row else 0


def _batches(warehouse: Warehouse, todo: int, batch: int) -> Iterator[list[Row]]:
    for start in range(0, todo, batch):
        ids = [r[0] for r in warehouse.con.execute(
            "SELECT article_id FROM index_todo WHERE n > ? AND n <= ? ORDER BY n",
            [start, start + batch]).fetchall()]
        by_id = {r[0]: Row(*r) for r in warehouse.con.execute(
            sql_text("terms_articles"), {"ids": ids}).fetchall()}
        yield [by_id[i] for i in ids if i in by_id]


def _segmented(warehouse: Warehouse, segmenter: Segmenter,
               vocabulary: tuple[tuple[Entry, ...], frozenset[str]], todo: int, batch: int,
               workers: int) -> Iterator[tuple[list[Row], Segmented]]:
    """The batches to write, segmented here or by `workers` processes ahead of the writer."""
    if workers <= 1:
        for rows in _batches(warehouse, todo, batch):
            yield rows, segment_batch(segmenter, rows)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_worker_init, initargs=vocabulary) as pool:
        pending: deque[tuple[list[Row], Future[Segmented]]] = deque()
        for rows in _batches(warehouse, todo, batch):
            pending.append((rows, pool.submit(_worker_segment, rows)))
            if len(pending) > workers:
                done_rows, future = pending.popleft()
                yield done_rows, future.result()
        while pending:
            done_rows, future = pending.popleft()
            yield done_rows, future.result()


_WORKER: dict[str, Segmenter] = {}


def _worker_init(entries: tuple[Entry, ...], stopwords: frozenset[str]) -> None:
    _WORKER["segmenter"] = Segmenter(entries, stopwords)


def _worker_segment(rows: list[Row]) -> Segmented:
    return segment_batch(_WORKER["segmenter"], rows)


def check(settings: Settings) -> IndexStatus:
    """How current the index is against the configured dictionary (read-only)."""
    segmenter = Segmenter.from_settings(settings.terms)
    with Warehouse.open(settings.warehouse, read_only=True) as warehouse:
        return status(warehouse.con, segmenter.digest)
