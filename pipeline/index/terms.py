"""The term index: which words each article uses, kept current as articles are stored.

    report = update(settings)                    # `newsvault terms`: index what is missing
    hook = crawl_hook(settings)                  # the crawl indexes each stored batch

Tables (warehouse/migrations/0004_terms.sql, written by pipeline.index.termwriter): the
vocabulary `term_ids`, `term_docs` (per indexed article: content hash and index version
it was indexed from, SimHash, near-duplicate cluster), `term_rows` (article x term) and
`term_days` (per term, site and day: recounted per month by `newsvault terms`, plus
the crawl's deltas since), read through the views `terms` and `term_daily`.  A batch is
written in one transaction.

When is an article (re)indexed?
  * the crawl indexes the new and updated articles of every batch it stores, right
    after the batch commits (a failure there is logged; the articles stay unindexed);
  * `newsvault terms` indexes every article that is not indexed, whose content changed
    since (another writer, a re-extraction), or that was indexed with another
    `index_version`: the digest of segmenter, rules, dictionary and stop-words.  Editing
    configs/terms.txt therefore makes every article stale, and `newsvault terms` re-indexes
    them all, in storage order, one committed batch at a time: a killed run resumes
    where it stopped.  `trend` warns while some articles are stale.  In team mode the
    nodes running it at once share the articles in leased units
    (pipeline.index.teamterms), each article indexed by one of them.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from pipeline.config.settings import Settings
from pipeline.index.segment import Entry, Segmenter, load_dictionary, load_stopwords
from pipeline.index.termwriter import Row, Segmented, TermWriter, recount, segment_batch
from pipeline.store.interfaces import ArchiveData
from pipeline.store.records import IndexStatus
from pipeline.store.runlock import run_lock
from pipeline.store.warehouse import Warehouse

log = logging.getLogger(__name__)
BATCH = 2000
MEMORY_LIMIT = "2GB"


# ------------------------------------------------------------------------ crawl hook

def index_articles(warehouse: ArchiveData, segmenter: Segmenter, ids: Sequence[str]) -> int:
    """(Re)index these articles now; returns how many were indexed."""
    rows = read_articles(warehouse, ids)
    TermWriter(warehouse, segmenter.digest).write(rows, segment_batch(segmenter, rows))
    return len(rows)


def read_articles(warehouse: ArchiveData, ids: Sequence[str]) -> list[Row]:
    """The stored articles of these ids (in storage order)."""
    return warehouse.term_rows(ids)


def crawl_hook(settings: Settings) -> Callable[[ArchiveData, list[str]], None] | None:
    """What the crawl calls after each stored batch with its new and updated article ids.

    None when `terms.index_on_crawl` is off.  Called with no ids it only gets ready
    (loads the dictionary and jieba).  A dictionary that cannot be read, or a
    failing index write, is logged and never stops the crawl: the articles stay
    unindexed until `newsvault terms` (which reports the error with exit 2).
    """
    if not settings.terms.index_on_crawl:
        return None
    state: dict[str, Segmenter | None] = {}

    def hook(warehouse: ArchiveData, ids: list[str]) -> None:
        if "segmenter" not in state:
            try:
                state["segmenter"] = Segmenter.from_settings(settings.terms)
            except Exception as exc:  # a broken dictionary must not stop the archive
                log.warning("terms not indexed during this crawl: %s", exc)
                state["segmenter"] = None
        segmenter = state["segmenter"]
        if segmenter is None:
            return
        if not ids:  # get ready: load jieba now, not while a commit holds the warehouse
            segmenter.jieba  # noqa: B018
            return
        try:
            index_articles(warehouse, segmenter, ids)
        except Exception as exc:  # an indexing bug must not stop the crawl either
            log.warning("terms of %d articles not indexed (run `newsvault terms`): %s: %s",
                        len(ids), type(exc).__name__, (str(exc).splitlines() or [""])[0])

    return hook


# ------------------------------------------------------------------------ the command

def status(warehouse: ArchiveData, version: str) -> IndexStatus:
    """How many articles are indexed with this version and their current content."""
    return warehouse.term_status(version)


@dataclass
class IndexReport:
    indexed: int
    seconds: float
    months: int          # months whose daily counts were recounted
    status: IndexStatus

    @property
    def summary(self) -> str:
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        return (f"indexed {self.indexed} articles in {self.seconds:.1f} s ({rate:.0f}/s)"
                f"; daily counts of {self.months} months recounted; "
                f"{self.status.current} of {self.status.articles} current, "
                f"index version {self.status.version}")


def update(settings: Settings, *, rebuild: bool = False, workers: int | None = None,
           batch: int = BATCH, progress: Callable[[int, int], None] | None = None
           ) -> IndexReport:
    """Index every article that is missing or stale (all of them with `rebuild`), then
    recount the daily counts of the months it touched (and of those holding the crawl's
    deltas), which also keeps them sorted for fast trends.

    Takes the run lock, so a crawl started meanwhile exits 75 and cron retries it.
    `workers` segmenting processes (default: one per CPU when there is much to do).
    """
    entries, _ = load_dictionary(settings.terms.dictionary)
    stopwords = load_stopwords(settings.terms.stopwords)
    segmenter = Segmenter(entries, stopwords)
    if settings.team_mode():  # a job shared with the other nodes (pipeline.index.teamterms)
        from pipeline.index.teamterms import update_team

        done, seconds, final = update_team(settings, segmenter, rebuild=rebuild,
                                           progress=progress)
        return IndexReport(done, seconds, 0, final)
    started = time.perf_counter()
    with run_lock(settings, "terms"), \
            Warehouse.open_waiting(settings.warehouse) as warehouse:
        warehouse.limit_memory(MEMORY_LIMIT)
        todo = warehouse.index_todo(segmenter.digest, rebuild)
        if workers is None:
            workers = (os.cpu_count() or 1) if todo > 4 * batch else 1
        writer = TermWriter(warehouse, segmenter.digest, deltas=False)
        done = 0
        batches = _batches(warehouse, todo, batch)
        for rows, seg in _segmented(batches, segmenter, (entries, stopwords), workers):
            writer.write(rows, seg)
            done += len(rows)
            if progress:
                progress(done, todo)
        filled = warehouse.fill_term_lengths()  # rows indexed before migration 0012
        if filled:
            log.info("lengths and 来源 of %d articles indexed before search filled", filled)
        months = recount(warehouse)
        final = status(warehouse, segmenter.digest)
    return IndexReport(done, time.perf_counter() - started, months, final)


def _batches(warehouse: Warehouse, todo: int, batch: int) -> Iterator[list[Row]]:
    for start in range(0, todo, batch):
        yield warehouse.index_todo_rows(start, batch)


def _segmented(batches: Iterator[list[Row]], segmenter: Segmenter,
               vocabulary: tuple[tuple[Entry, ...], frozenset[str]],
               workers: int) -> Iterator[tuple[list[Row], Segmented]]:
    """The batches to write, segmented here or by `workers` processes ahead of the writer."""
    if workers <= 1:
        for rows in batches:
            yield rows, segment_batch(segmenter, rows)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_worker_init, initargs=vocabulary) as pool:
        pending: deque[tuple[list[Row], Future[Segmented]]] = deque()
        for rows in batches:
            pending.append((rows, pool.submit(_worker_segment, rows)))
            if len(pending) > 2 * workers:  # enough queued that no worker waits
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
    if settings.team_mode():
        from pipeline.store.team.lake import Lake

        with Lake.open(settings, read_only=True) as lake:
            return status(lake, segmenter.digest)
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        return status(warehouse, segmenter.digest)

