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

    doc: np.ndarray       # int32, in order
    count: np.ndarray     # int32
    in_title: np.ndarray  # bool

    @classmethod
    def of(cls, columns: Mapping[str, np.ndarray]) -> Postings:
        """From DuckDB's fetchnumpy() of (doc, count, in_title), put in doc order when
        they are not (a DuckLake catalog's rows come in the order of its files)."""
        doc = np.asarray(columns["doc"], dtype=np.int32)
        count = np.asarray(columns["count"], dtype=np.int32)
        in_title = np.asarray(columns["in_title"], dtype=np.bool_)
        if len(doc) > 1 and not (doc[1:] >= doc[:-1]).all():
            order = np.argsort(doc, kind="stable")
            doc, count, in_title = doc[order], count[order], in_title[order]
        return cls(doc, count, in_title)


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
    order) over the wanted terms.  Every doc found has every wanted term, so a term's
    rows of the docs found are, in doc order, the docs found themselves: its counts line
    up with `found` without a lookup (a term with several rows for one doc, which the
    index never writes, is summed through a lookup instead)."""
    scores = np.zeros(len(found), dtype=np.float64)
    if not len(found):
        return scores
    norm = K1 * (1 - B + B * lengths.astype(np.float64) / avglen)
    member: np.ndarray | None = None  # doc -> found
    for term in dict.fromkeys(wanted):
        rows = postings[term]
        idf = _idf(len(rows.doc), docs)
        if len(rows.doc) == len(found) and (rows.doc == found).all():
            tf, title = rows.count, rows.in_title
        else:
            if member is None:
                member = np.zeros(_size(postings, wanted, found), dtype=np.bool_)
                member[found] = True
            keep = member[rows.doc]
            tf, title = rows.count[keep], rows.in_title[keep]
        if len(tf) != len(found):
            return _bm25_summed(postings, wanted, found, norm, docs)
        tf = tf.astype(np.float64)
        scores += idf * (tf * (K1 + 1) / (tf + norm) + TITLE * title)
    return scores


def _idf(df: int, docs: int) -> float:
    return float(np.log(1 + (docs - df + 0.5) / (df + 0.5)))


def _size(postings: Mapping[int, Postings], wanted: Sequence[int], found: np.ndarray) -> int:
    return int(max(int(found[-1]), *(int(postings[t].doc.max()) for t in wanted))) + 1


def _bm25_summed(postings: Mapping[int, Postings], wanted: Sequence[int],
                 found: np.ndarray, norm: np.ndarray, docs: int) -> np.ndarray:
    """bm25 when a term has several rows for a doc: its parts added up per doc."""
    scores = np.zeros(len(found), dtype=np.float64)
    rank = np.full(_size(postings, wanted, found), -1, dtype=np.int64)
    rank[found] = np.arange(len(found))
    for term in dict.fromkeys(wanted):
        rows = postings[term]
        idf = _idf(len(rows.doc), docs)
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
BUCKET_BITS = (16, 20)  # buckets tried: 65,536 (fits the CPU's cache), then a million


def counted(keys: np.ndarray, bits: int | None = None) -> Counted:
    """Count each distinct key (a hash of the site or 来源, so its low bits are as good
    as random).  Many keys are put in buckets by their low bits and counted with
    bincount, in a few passes; the keys of a bucket holding more than one distinct key
    are counted by sorting.  When those are more than a quarter of the keys, the
    buckets are too few: counted again in more."""
    if len(keys) < SORTED_BELOW:
        values, first, counts = np.unique(keys, return_index=True, return_counts=True)
        return Counted(values, counts, first)
    bits = BUCKET_BITS[0] if bits is None else bits
    size = 1 << bits
    bucket = (keys & np.asarray(size - 1, dtype=keys.dtype)).astype(np.intp)
    last = np.zeros(size, dtype=keys.dtype)
    last[bucket] = keys                      # one of the keys of each bucket
    where = np.zeros(size, dtype=np.intp)
    where[bucket] = np.arange(len(keys))     # the position of that key
    mixed = last[bucket] != keys
    if mixed.any():
        clashed = np.zeros(size, dtype=np.bool_)
        clashed[bucket[mixed]] = True
        mixed = clashed[bucket]              # every key of a bucket with a clash
        if bits < BUCKET_BITS[-1] and np.count_nonzero(mixed) > len(keys) // 4:
            return counted(keys, BUCKET_BITS[-1])
    counts = np.bincount(bucket[~mixed], minlength=size)
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
    """(YYYY-MM, articles) of these days (days since 1970-01-01; NO_DAY left out):
    counted per day, then the few distinct days turned into months."""
    dated = days[days != NO_DAY]
    if not len(dated):
        return []
    first = int(dated.min())
    per_day = np.bincount(dated - first)
    at = np.flatnonzero(per_day)
    months = (at + first).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    start = int(months[0])
    counts = np.bincount(months - start, weights=per_day[at])
    return [(str(np.datetime64(start + n, "M")), int(c)) for n, c in enumerate(counts) if c]
