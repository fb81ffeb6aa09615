"""Content fingerprints: a 64-bit SimHash per body, and clusters of near-duplicates.

A story reposted by another site or 网易号 account keeps almost all of its words, so its
SimHash (Charikar; each term votes on 64 bits with its count) differs from the
original's in a few bits at most.  Two bodies are near-duplicates when their SimHashes
differ in at most MAX_DISTANCE bits and they were published within WINDOW_DAYS of each
other (Manku et al. use 3 of 64 bits for web pages).  Split into four 16-bit bands, two
such hashes share at least one band exactly, so candidates are found with an equality
join on (band, value) instead of comparing every pair.

An article joins the cluster of its earliest near-duplicate (or founds its own, named by
its article_id); `trend --dedupe` counts clusters instead of articles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MAX_DISTANCE = 3
MIN_TERMS = 8
WINDOW_DAYS = 7
BANDS = 4
BAND_BITS = 64 // BANDS
_SHIFTS = np.arange(64, dtype=np.uint64)
_CHUNK_ROWS = 65_536


@lru_cache(maxsize=1 << 20)
def term_hash(term: str) -> int:
    """A stable 64-bit hash of a term (the same in every process and every run)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def simhashes(docs: Sequence[dict[str, int]]) -> list[int | None]:
    """The signed 64-bit SimHash of each {term: count}.

    None for a body of fewer than MIN_TERMS distinct terms: a few shared words say little,
    so such short items are never clustered.
    """
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    out: list[int | None] = [None] * len(docs)
    if not lengths.sum():
        return out
    hashes = np.fromiter((term_hash(t) for d in docs for t in d), dtype=np.uint64,
                         count=int(lengths.sum()))
    weights = np.fromiter((c for d in docs for c in d.values()), dtype=np.int32,
                          count=int(lengths.sum()))
    owners = np.repeat(np.arange(len(docs)), lengths)
    votes = np.zeros((len(docs), 64), dtype=np.int64)  # per doc and bit: weight of 1-bits
    for start in range(0, len(hashes), _CHUNK_ROWS):  # bounded memory for big batches
        part = slice(start, start + _CHUNK_ROWS)
        bits = np.unpackbits(hashes[part].astype("<u8").view(np.uint8).reshape(-1, 8), axis=1,
                             bitorder="little")  # (rows, 64): bit j of each term's hash
        own = owners[part]  # each doc's rows are contiguous: sum them per run
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        votes[own[starts]] += np.add.reduceat(bits * weights[part, None], starts, axis=0)
    totals = np.bincount(owners, weights=weights, minlength=len(docs))
    packed = ((2 * votes > totals[:, None]).astype(np.uint64) << _SHIFTS).sum(
        axis=1, dtype=np.uint64)  # a bit is set when its ayes outweigh its noes
    signed = packed.view(np.int64)
    for i in np.flatnonzero(lengths >= MIN_TERMS):
        out[i] = int(signed[i])
    return out


def distance(a: int, b: int) -> int:
    """Bits in which two SimHashes differ."""
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


def bands(value: int) -> list[tuple[int, int]]:
    """(band, 16-bit value) of a signed SimHash, as the candidates query computes them."""
    unsigned = value & 0xFFFF_FFFF_FFFF_FFFF
    return [(b, (unsigned >> (BAND_BITS * b)) & 0xFFFF) for b in range(BANDS)]


@dataclass(frozen=True)
class Doc:
    """An article being indexed (or one already indexed, as a candidate)."""

    article_id: str
    day: dt.date | None
    simhash: int | None
    cluster: str = ""


def assign_clusters(new: Sequence[Doc], stored: Iterable[Doc]) -> dict[str, str]:
    """article_id -> cluster for the new docs.

    `stored` are indexed docs that share a band with some new doc (the candidates query);
    new docs are also compared with each other, in (day, article_id) order, so a story
    and its reposts in one batch end up together.
    """
    index: dict[tuple[int, int], list[Doc]] = {}
    for doc in stored:
        if doc.simhash is not None:
            for key in bands(doc.simhash):
                index.setdefault(key, []).append(doc)
    clusters: dict[str, str] = {}
    for doc in sorted(new, key=lambda d: (d.day or dt.date.max, d.article_id)):
        match = _earliest_match(doc, index) if doc.simhash is not None else None
        clusters[doc.article_id] = match.cluster if match else doc.article_id
        if doc.simhash is not None and doc.day is not None:
            placed = Doc(doc.article_id, doc.day, doc.simhash, clusters[doc.article_id])
            for key in bands(doc.simhash):
                index.setdefault(key, []).append(placed)
    return clusters


def _earliest_match(doc: Doc, index: dict[tuple[int, int], list[Doc]]) -> Doc | None:
    if doc.day is None or doc.simhash is None:
        return None
    best: Doc | None = None
    for key in bands(doc.simhash):
        for other in index.get(key, ()):
            if (other.article_id != doc.article_id and other.day is not None
                    and abs((other.day - doc.day).days) <= WINDOW_DAYS
                    and distance(doc.simhash, other.simhash or 0) <= MAX_DISTANCE
                    and (best is None or (other.day, other.article_id)
                         < (best.day or dt.date.max, best.article_id))):
                best = other
    return best
