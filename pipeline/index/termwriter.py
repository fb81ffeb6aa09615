"""Writing the term index: a batch of articles, segmented, into the index tables.

    seg = segment_batch(segmenter, rows)        # pure Python; runs in worker processes
    TermWriter(warehouse, segmenter.digest).write(rows, seg)   # one transaction

A segmented batch travels as a batch-local vocabulary (the distinct terms, each once)
and integer arrays (which term, how often, in the title), because DuckDB takes numeric
numpy arrays seven times faster than Python strings.  The store writes it
(pipeline.store.interfaces.ArchiveData.write_terms); near-duplicate clusters follow
pipeline.index.fingerprint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.index import fingerprint
from pipeline.index.segment import Segmenter
from pipeline.store.interfaces import ArchiveData
from pipeline.store.records import ClusterRule, Segmented, TermRow

Row = TermRow  # what the indexer reads of an article
__all__ = ["Row", "Segmented", "TermWriter", "recount", "segment_batch"]


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
    for row in rows:
        body, title = segmenter.count(row.title, row.body)
        body_sizes.append(len(body))
        body.update(title)  # title and body; the body's terms stay first (dict order)
        codes.extend(map(local.__getitem__, body))
        counts.extend(body.values())
        titled.extend(map(title.__contains__, body))
        sizes.append(len(body))
    vocab = list(local)
    code_array = np.array(codes, dtype=np.int32)
    return Segmented(vocab, code_array, np.array(counts, dtype=np.int32),
                     np.array(titled, dtype=np.bool_), np.array(sizes, dtype=np.int32),
                     _body_simhashes(vocab, code_array, sizes, body_sizes))


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

    def __init__(self, warehouse: ArchiveData, version: str, *, deltas: bool = True) -> None:
        self.warehouse = warehouse
        self.version = version
        self.deltas = deltas

    def write(self, rows: Sequence[Row], seg: Segmented) -> None:
        """Replace the index of these articles, all in one transaction."""
        self.warehouse.write_terms(rows, seg, self.version, CLUSTERS, self.deltas)


def _assign(new: list[tuple[int, dt.date | None]], matches: list[tuple[Any, ...]]
            ) -> dict[int, int]:
    return fingerprint.assign_clusters(new, [fingerprint.Match(*m) for m in matches])


CLUSTERS = ClusterRule(fingerprint.WINDOW_DAYS, fingerprint.MAX_DISTANCE, _assign)


def recount(warehouse: ArchiveData) -> int:
    """Rebuild the daily counts of every month marked by a bulk index or holding the
    crawl's deltas, one month per transaction; returns how many months."""
    return warehouse.recount_terms()
