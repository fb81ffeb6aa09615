"""Content fingerprints: a 64-bit SimHash per body, and clusters of near-duplicates.

A story reposted by another site or a 网易号 account keeps almost all of its words, so
its SimHash (Charikar: every distinct term of the body votes on each of 64 bits with
its own 64-bit hash) differs from the original's in a few bits, while two unrelated
articles differ in about 32.  Terms vote once each, whatever their count, so the common
words of news do not outvote the words that make a story.

Two bodies are near-duplicates when their SimHashes differ in at most MAX_DISTANCE bits
and they were published within WINDOW_DAYS of each other.  Measured on real news pages
(see docs/benchmarks.md): a repost with a credit line added on top lands within 8 bits
in about 90% of cases (within 3, Manku et al.'s web-page threshold, in 30-65%), and of
116,000 pairs of different pages none came within 8 bits unless it was the same story
(all such pairs shared at least 86% of their terms).  Cut into nine 7-bit bands, two
hashes within 8 bits share at least one band exactly, so candidates come from an
equality join on (band, value) rather than from comparing every pair.

An article joins the cluster of a near-duplicate indexed before it (the earliest by
day), or founds its own; a cluster is named by its founder's doc number, and
`trend --dedupe` counts clusters instead of articles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_DISTANCE = 8
MIN_TERMS = 20     # shorter bodies (a few shared words say little) are never clustered
WINDOW_DAYS = 7
BANDS = MAX_DISTANCE + 1  # terms_candidates.sql: 9 bands of 7 bits; within 8 bits, two
BAND_BITS = 64 // BANDS  # hashes share one band exactly (pigeonhole)
_SHIFTS = np.arange(64, dtype=np.uint64)
_DOCS_PER_CHUNK = 512
_MASK = 0xFFFF_FFFF_FFFF_FFFF


class _Hashes(dict[str, int]):
    """term -> stable 64-bit hash (blake2b), computed once per process and term."""

    def __missing__(self, term: str) -> int:
        if len(self) > 2_000_000:
            self.clear()
        value = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(),
                               "little")
        self[term] = value
        return value


_HASHES = _Hashes()


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    """The stable 64-bit hash of each term (blake2b; cached per process)."""
    return np.fromiter(map(_HASHES.__getitem__, terms), dtype=np.uint64, count=len(terms))


def simhashes(docs: Sequence[Sequence[str]]) -> list[int | None]:
    """The signed 64-bit SimHash of each body's distinct terms (None: under MIN_TERMS)."""
    sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    hashes = term_hashes([t for doc in docs for t in doc])
    return simhashes_of(hashes, sizes)


def simhashes_of(hashes: np.ndarray, sizes: np.ndarray) -> list[int | None]:
    """SimHashes of consecutive runs of term hashes (`sizes[i]` terms for doc i)."""
    out: list[int | None] = [None] * len(sizes)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    for first in range(0, len(sizes), _DOCS_PER_CHUNK):  # bounded memory for big batches
        keep = np.flatnonzero(sizes[first:first + _DOCS_PER_CHUNK] >= MIN_TERMS) + first
        if not len(keep):
            continue
        parts = [hashes[starts[i]:ends[i]] for i in keep]
        bits = np.unpackbits(np.concatenate(parts).astype("<u8").view(np.uint8).reshape(-1, 8),
                             axis=1, bitorder="little")  # (terms, 64): bit j of each hash
        lengths = sizes[keep]
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        ones = np.add.reduceat(bits, offsets, axis=0, dtype=np.int32)
        packed = ((2 * ones > lengths[:, None]).astype(np.uint64) << _SHIFTS).sum(
            axis=1, dtype=np.uint64)  # a bit is set when most terms have it set
        for i, value in zip(keep, packed.view(np.int64).tolist(), strict=True):
            out[int(i)] = value
    return out


def distance(a: int, b: int) -> int:
    """Bits in which two SimHashes differ."""
    return ((a ^ b) & _MASK).bit_count()


@dataclass(frozen=True)
class Match:
    """A near-duplicate of a new doc: an indexed one (with its cluster) or, with cluster
    None, another new doc."""

    doc: int
    other: int
    day: dt.date
    cluster: int | None


def assign_clusters(new: Sequence[tuple[int, dt.date | None]], matches: Iterable[Match]
                    ) -> dict[int, int]:
    """doc -> cluster for the new (doc, day)s, given their near-duplicate matches.

    New docs are taken in (day, doc) order; each joins the cluster of its earliest match
    (by day, then doc) among the indexed docs and the new docs placed before it, or
    founds its own (named by its doc).  A story and its reposts indexed in one batch so
    end up together.
    """
    found: dict[int, list[Match]] = {}
    for match in matches:
        found.setdefault(match.doc, []).append(match)
    clusters: dict[int, int] = {}
    for doc, _ in sorted(new, key=lambda d: (d[1] or dt.date.max, d[0])):
        best: tuple[tuple[dt.date, int], int] | None = None
        for match in found.get(doc, ()):
            cluster = match.cluster if match.cluster is not None else clusters.get(match.other)
            if cluster is not None and (best is None or (match.day, match.other) < best[0]):
                best = ((match.day, match.other), cluster)
        clusters[doc] = best[1] if best else doc
    return clusters
