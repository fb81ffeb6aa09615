"""The arithmetic of search, on numpy arrays: which articles have the query's terms, their
BM25 scores, facet counts and the order of a page.

    found = matches(postings, need=(7, 9), groups=[(12,)])   # sorted doc numbers
    scores = bm25(postings, (7, 9), found, lengths, docs=N, avglen=avg)
    order = page_order(scores, days, found, offset=0, limit=10)

`postings` maps a term id to its article rows (doc, count, in_title) as the term index
holds them (term_rows, within the days searched).  Doc numbers are small integers
(term_docs numbers articles from 1 on), so sets of articles are dense arrays indexed by
doc: a million articles make arrays of a few MB, and every step is a vectorised pass
over the rows read (a million rows in a few ms), where SQL joins and aggregates over
the same rows cost ten times more (pipeline/store/search.py).

Scoring, per wanted term t of an article d (BM25 with a title bonus):

    idf(t) * ( tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avglen)) + TITLE * in_title )

with idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), df the rows read for t.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

K1, B, TITLE = 1.2, 0.75, 2.0
NO_DAY = np.iinfo(np.int32).min  # an article without a day: last among equal scores


@dataclass(frozen=True)
class Postings:
    """The article rows of one term: doc numbers, counts (title and body), in the title."""

    doc: np.ndarray       # int32
    count: np.ndarray     # int32
    in_title: np.ndarray  # bool

    @classmethod
    def of(cls, columns: Mapping[str, np.ndarray]) -> Postings:
        """From DuckDB's fetchnumpy() of (doc, count, in_title)."""
        return cls(np.asarray(columns["doc"], dtype=np.int32),
                   np.asarray(columns["count"], dtype=np.int32),
                   np.asarray(columns["in_title"], dtype=np.bool_))


def matches(postings: Mapping[int, Postings], need: Sequence[int],
            groups: Sequence[Sequence[int]] = ()) -> np.ndarray:
    """The docs (sorted) having every term of `need` and not all the terms of any group."""
    if not need or any(len(postings[t].doc) == 0 for t in need):
        return np.empty(0, dtype=np.int32)
    rarest = min(need, key=lambda t: len(postings[t].doc))
    size = int(max(int(p.doc.max()) for p in postings.values() if len(p.doc))) + 1
    keep = np.zeros(size, dtype=np.bool_)
    keep[postings[rarest].doc] = True
    for term in need:
        if term != rarest:
            has = np.zeros(size, dtype=np.bool_)
            has[postings[term].doc] = True
            keep &= has
    for group in groups:
        if not group:
            continue
        every = np.ones(size, dtype=np.bool_)
        for term in group:
            has = np.zeros(size, dtype=np.bool_)
            has[postings[term].doc] = True
            every &= has
        keep &= ~every
    return np.flatnonzero(keep).astype(np.int32)


def holding(postings: Mapping[int, Postings], terms: Sequence[int],
            found: np.ndarray) -> np.ndarray:
    """For each doc of `found`: whether it has all these terms."""
    result = np.ones(len(found), dtype=np.bool_)
    for term in terms:
        result &= np.isin(found, postings[term].doc, assume_unique=True)
    return result


def bm25(postings: Mapping[int, Postings], wanted: Sequence[int], found: np.ndarray,
         lengths: np.ndarray, docs: int, avglen: float) -> np.ndarray:
    """The score of each doc of `found` (sorted; `lengths` its lengths, in the same
    order) over the wanted terms."""
    scores = np.zeros(len(found), dtype=np.float64)
    if not len(found):
        return scores
    norm = K1 * (1 - B + B * lengths.astype(np.float64) / avglen)
    size = int(max(int(found[-1]), *(int(postings[t].doc.max()) for t in wanted))) + 1
    rank = np.full(size, -1, dtype=np.int64)  # doc -> its position in `found`
    rank[found] = np.arange(len(found))
    for term in dict.fromkeys(wanted):
        rows = postings[term]
        df = len(rows.doc)
        idf = np.log(1 + (docs - df + 0.5) / (df + 0.5))
        at = rank[rows.doc]
        inside = at >= 0
        at = at[inside]
        tf = rows.count[inside].astype(np.float64)
        part = idf * (tf * (K1 + 1) / (tf + norm[at]) + TITLE * rows.in_title[inside])
        scores += np.bincount(at, weights=part, minlength=len(found))
    return scores


def page_order(scores: np.ndarray, days: np.ndarray, found: np.ndarray, offset: int,
               limit: int) -> np.ndarray:
    """Positions (into `found`) of one page: best score first, then the newer day (an
    article without one last), then the larger doc."""
    wanted = offset + limit
    if len(scores) > wanted:  # only the candidates for the first `wanted` places
        kth = -np.partition(-scores, wanted - 1)[wanted - 1]
        candidates = np.flatnonzero(scores >= kth)
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((-found[candidates].astype(np.int64),
                        -days[candidates].astype(np.int64), -scores[candidates]))
    return candidates[order][offset:wanted]


@dataclass(frozen=True)
class Counted:
    """Distinct values of a facet among the found articles: key, count, and the position
    of one article having it (to look its name up)."""

    keys: np.ndarray
    counts: np.ndarray
    first: np.ndarray


SORTED_BELOW = 50_000  # keys counted by sorting; more: by buckets, sorting only clashes
BUCKETS = 1_048_573    # a prime


def counted(keys: np.ndarray) -> Counted:
    """Count each distinct key (e.g. a hash of the site or 来源).  Many keys are put in
    buckets (key mod a prime) and counted with bincount, in a few passes; the keys of a
    bucket holding more than one distinct key are counted by sorting."""
    if len(keys) < SORTED_BELOW:
        values, first, counts = np.unique(keys, return_index=True, return_counts=True)
        return Counted(values, counts, first)
    bucket = (keys % np.uint64(BUCKETS)).astype(np.intp)
    last = np.zeros(BUCKETS, dtype=keys.dtype)
    last[bucket] = keys                      # one of the keys of each bucket
    where = np.zeros(BUCKETS, dtype=np.intp)
    where[bucket] = np.arange(len(keys))     # the position of that key
    clashed = np.zeros(BUCKETS, dtype=np.bool_)
    clashed[bucket[last[bucket] != keys]] = True
    mixed = clashed[bucket]
    counts = np.bincount(bucket[~mixed], minlength=BUCKETS)
    used = np.flatnonzero(counts)
    result = Counted(last[used], counts[used], where[used])
    if mixed.any():
        at = np.flatnonzero(mixed)
        values, first, many = np.unique(keys[at], return_index=True, return_counts=True)
        result = Counted(np.concatenate([result.keys, values]),
                         np.concatenate([result.counts, many]),
                         np.concatenate([result.first, at[first]]))
    return result


def largest(count: Counted, limit: int) -> np.ndarray:
    """Indices into `count` of the `limit` largest counts and every one tied with the
    last (the caller breaks ties by name)."""
    if len(count.counts) <= limit:
        return np.arange(len(count.counts))
    kth = -np.partition(-count.counts, limit - 1)[limit - 1]
    return np.flatnonzero(count.counts >= kth)


def month_counts(days: np.ndarray) -> list[tuple[str, int]]:
    """(YYYY-MM, articles) of these days (days since 1970-01-01; NO_DAY left out)."""
    dated = days[days != NO_DAY].astype("datetime64[D]").astype("datetime64[M]")
    if not len(dated):
        return []
    months = dated.astype(np.int64)  # months since 1970-01
    first = int(months.min())
    counts = np.bincount(months - first)
    return [(str(np.datetime64(first + n, "M")), int(c)) for n, c in enumerate(counts) if c]
