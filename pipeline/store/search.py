"""What `newsvault search` reads: articles ranked by BM25 over the term index.

    plan = SearchPlan(terms=("智谱", "大模型"), ...)
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        found = find(warehouse, plan)      # total, facets, one page of rows

One read-only visit of the warehouse (warehouse/queries/search_*.sql):

1. the query's vocabulary ids; the articles of the days searched and their mean length
   (BM25's N and avglen);
2. the article rows of each term (to find and to exclude) into numpy: `newsvault terms`
   keeps term_rows sorted by term within each month, so a term reads a few row groups
   a month;
3. the articles having every wanted term and no excluded group, their lengths, days,
   sites and 来源 (as hashes) from term_docs: for a few, those rows; for many, the
   whole days searched in one scan of narrow columns;
4. the quoted phrases checked in the text of those articles only (pipeline.store.
   searchtext: fetched by the index on article_id);
5. scores, facets and the page's order in numpy (pipeline.store.searchrank), the names
   of the facet values shown from one article each, and the page's texts (read on a
   cursor of their own, in a second thread, while the facets are counted).

Arrays come through relations (`con.sql(...).fetchnumpy()`), which DuckDB scans on all
its threads.

The values are written into the SQL text (checked numbers, quoted strings) rather than
passed as parameters: with parameters duckdb 1.5 imports pandas when it is installed.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from pipeline.core.errors import QueryError
from pipeline.store import searchtext
from pipeline.store.searchrank import (
    NO_DAY,
    Counted,
    Postings,
    bm25,
    counted,
    holding,
    largest,
    matches,
    month_counts,
    page_order,
)
from pipeline.store.searchtext import Sql, query, render
from pipeline.store.warehouse import Warehouse

__all__ = ["FACET_LIMIT", "Found", "SearchPlan", "Sql", "find", "render"]

FACET_LIMIT = 20      # values per facet (the largest first); sites and months are all shown
MEMORY_LIMIT = "1GB"  # a reader's own session: above the writers' small cache setting
SCAN_SHARE = 0.125    # found more than this share of the days' articles: scan term_docs


@dataclass(frozen=True)
class SearchPlan:
    """A parsed query, in the index's terms.  A group of `excluded` takes out the
    articles that have all its terms (and its phrase, when it has one)."""

    terms: tuple[str, ...]
    phrases: tuple[str, ...] = ()                  # RE2 patterns the text must match
    excluded: tuple[tuple[tuple[str, ...], str | None], ...] = ()  # (terms, pattern)
    site: str | None = None
    first: dt.date | None = None                   # Beijing days, both included
    last: dt.date | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class Found:
    total: int
    rows: list[dict[str, Any]]                      # one page, best first
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()                   # wanted terms the index never saw


def find(warehouse: Warehouse, plan: SearchPlan) -> Found:
    """The articles of the plan: how many, facets, and one page (see module docstring)."""
    try:
        warehouse.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        warehouse.con.execute("SET enable_progress_bar = false")  # never on a web page
        return _find(warehouse.con, plan, warehouse.catalog)
    except duckdb.Error as exc:
        raise QueryError(f"search failed: {str(exc).strip().splitlines()[0]}") from None


@dataclass(frozen=True)
class _Docs:
    """The articles found, in doc order, with what ranking and facets need of them."""

    doc: np.ndarray
    length: np.ndarray
    day: np.ndarray         # days since 1970-01-01, NO_DAY when unknown
    site_key: np.ndarray    # hashes
    source_key: np.ndarray  # 0: no 来源
    in_site: np.ndarray

    def take(self, keep: np.ndarray) -> _Docs:
        return _Docs(*(getattr(self, name)[keep] for name in _COLUMNS))


_COLUMNS = ("doc", "length", "day", "site_key", "source_key", "in_site")
_EMPTY = {"site": [], "month": [], "source": []}


def _find(con: duckdb.DuckDBPyConnection, plan: SearchPlan, catalog: str) -> Found:
    every = tuple(dict.fromkeys([*plan.terms, *(t for g, _ in plan.excluded for t in g)]))
    ids = dict(con.execute(render(query("search_vocabulary"), {"terms": every})).fetchall())
    missing = tuple(t for t in plan.terms if t not in ids)
    if missing:
        return Found(0, [], dict(_EMPTY), missing)
    stats = con.execute(render(query("search_stats"), {
        "first": plan.first, "last": plan.last})).fetchone()
    docs_n, avglen = (int(stats[0]), float(stats[1] or 1.0)) if stats else (0, 1.0)
    postings = {term_id: _postings(con, term_id, plan) for term_id in sorted(set(ids.values()))}
    wanted = [ids[t] for t in dict.fromkeys(plan.terms)]
    groups = [[ids[t] for t in terms] for terms, phrase in plan.excluded
              if not phrase and all(t in ids for t in terms)]
    found = _docs(con, matches(postings, wanted, groups), plan, docs_n)
    if not found.in_site.all():
        found = found.take(found.in_site)
    indexed = searchtext.has_index(con, catalog)
    if plan.phrases or any(p for _, p in plan.excluded):
        found = found.take(_phrases_kept(con, catalog, plan, ids, postings, found, indexed))
    scores = bm25(postings, wanted, found.doc, found.length, docs_n, max(avglen, 1.0))
    order = page_order(scores, found.day, found.doc, plan.offset, plan.limit)
    # the page's rows read on a cursor of their own while this thread counts the facets
    with searchtext.cursor_of(con, catalog) as cursor, ThreadPoolExecutor(1) as pool:
        page = pool.submit(_page, cursor, catalog, found.doc[order], scores[order], indexed)
        counts = _Counts.of(found)
        facets = counts.facets(_names(con, counts.docs), found)
        return Found(len(found.doc), page.result(), facets)


def _postings(con: duckdb.DuckDBPyConnection, term_id: int, plan: SearchPlan) -> Postings:
    return Postings.of(_numpy(con, render(query("search_postings"), {
        "term_id": term_id, "first": plan.first, "last": plan.last})))


def _docs(con: duckdb.DuckDBPyConnection, found: np.ndarray, plan: SearchPlan,
          docs_n: int) -> _Docs:
    """What ranking and facets need of the docs found (those term_docs has)."""
    params = {"no_day": int(NO_DAY), "site": plan.site, "first": plan.first,
              "last": plan.last}
    if not len(found):
        return _Docs(*(np.empty(0, dtype=np.int32) for _ in _COLUMNS))
    if len(found) > SCAN_SHARE * docs_n:
        columns = _numpy(con, render(query("search_docs_all"), params))
        doc = np.asarray(columns["doc"])
        if not len(doc):
            return _docs(con, found[:0], plan, docs_n)
        member = np.zeros(int(max(found.max(), doc.max())) + 1, dtype=np.bool_)
        member[found] = True
        mask = member[doc]
        kept = doc[mask]
        rows: np.ndarray | slice = mask  # while term_docs is in doc order
        if not (kept[1:] > kept[:-1]).all():  # re-indexed articles: not
            rows = np.flatnonzero(mask)[np.argsort(kept, kind="stable")]
    else:
        con.register("search_wanted", {"doc": found})
        try:
            columns = _numpy(con, render(query("search_docs_some"), params))
        finally:
            con.unregister("search_wanted")
        rows = slice(None)  # search_docs_some.sql gives them in doc order
    return _Docs(*(np.asarray(columns[name])[rows] for name in _COLUMNS))


def _numpy(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays.  Through a relation (`con.sql`), which DuckDB
    1.5 runs on all its threads into the result, where `execute().fetchnumpy()` fills
    the arrays on one: a third to a half less wall time for a million rows."""
    return con.sql(sql).fetchnumpy()


def _phrases_kept(con: duckdb.DuckDBPyConnection, catalog: str, plan: SearchPlan,
                  ids: dict[str, int], postings: dict[int, Postings], found: _Docs,
                  indexed: bool) -> np.ndarray:
    """For each doc found: whether its text has every quoted phrase and no excluded one
    (looked for only in the articles having all the excluded phrase's terms)."""
    every = np.ones(len(found.doc), dtype=np.bool_)
    checks: list[tuple[str, np.ndarray, bool]] = [  # (pattern, docs to test, wanted)
        (pattern, every, True) for pattern in plan.phrases]
    for terms, pattern in plan.excluded:
        if pattern and all(t in ids for t in terms):
            checks.append((pattern, holding(postings, [ids[t] for t in terms], found.doc),
                           False))
    tested = np.zeros(len(found.doc), dtype=np.bool_)
    for _, where, _ in checks:
        tested |= where
    at = np.flatnonzero(tested)
    article = _article_ids(con, found.doc[at])
    results = searchtext.phrase_tests(con, catalog, list(article.values()),
                                      [p for p, _, _ in checks], indexed)
    keep = np.ones(len(found.doc), dtype=np.bool_)
    none = (False,) * len(checks)  # no text read: no phrase in it
    tests = [results.get(article.get(int(d), ""), none) for d in found.doc[at]]
    for n, (_, where, wanted) in enumerate(checks):
        hit = np.zeros(len(found.doc), dtype=np.bool_)
        hit[at] = [t[n] for t in tests]
        keep &= ~where | (hit == wanted)
    return keep


def _known(con: duckdb.DuckDBPyConnection, docs: np.ndarray) -> dict[int, tuple[str, str]]:
    """doc -> (article_id, site) of these docs (a page's, or those a phrase is checked in)."""
    if not len(docs):
        return {}
    wanted = sorted({int(d) for d in docs})
    rows = con.sql(render(query("search_ids"), {"docs": wanted})).fetchall()
    return {int(doc): (article_id, site) for doc, article_id, site in rows}


def _names(con: duckdb.DuckDBPyConnection, docs: list[int]
           ) -> dict[int, tuple[str, str | None]]:
    """doc -> (site, 来源) of these docs: one for each facet value shown.  Apart from
    _known: a row's article_id costs twice its site and 来源 to read (FSST strings)."""
    if not docs:
        return {}
    rows = con.sql(render(query("search_names"), {"docs": sorted(set(docs))})).fetchall()
    return {int(doc): (site, source) for doc, site, source in rows}


def _article_ids(con: duckdb.DuckDBPyConnection, docs: np.ndarray) -> dict[int, str]:
    return {doc: known[0] for doc, known in _known(con, docs).items()}


@dataclass(frozen=True)
class _Counts:
    """The facets' counts, by hashed site and 来源, and one doc naming each value."""

    sites: Counted
    sources: Counted
    top: np.ndarray       # the sources shown (the largest, and those tied with the last)
    docs: list[int]       # a doc of each site, then of each source shown

    @classmethod
    def of(cls, found: _Docs) -> _Counts:
        sites = counted(found.site_key)
        has_source = found.source_key != 0
        sources = counted(found.source_key[has_source])
        top = largest(sources, FACET_LIMIT)
        docs = [int(d) for d in found.doc[sites.first]]
        docs += [int(d) for d in found.doc[has_source][sources.first[top]]]
        return cls(sites, sources, top, docs)

    def facets(self, names: dict[int, tuple[str, str | None]], found: _Docs
               ) -> dict[str, list[tuple[str, int]]]:
        """Articles found per site, month (Beijing) and 来源 (the FACET_LIMIT largest);
        `names`: doc -> (site, 来源) of self.docs."""
        shown = len(self.sites.counts)
        site_counts = [(names[self.docs[n]][0], int(c)) for n, c in enumerate(self.sites.counts)]
        source_counts = sorted(((names[self.docs[shown + n]][1] or "", int(self.sources.counts[i]))
                                for n, i in enumerate(self.top)), key=lambda v: (-v[1], v[0]))
        return {"site": site_counts, "month": month_counts(found.day),
                "source": source_counts[:FACET_LIMIT]}


def _page(con: duckdb.DuckDBPyConnection, catalog: str, docs: np.ndarray,
          scores: np.ndarray, indexed: bool) -> list[dict[str, Any]]:
    """One page of the found articles, best first, with what a result shows of each."""
    if not len(docs):
        return []
    known = _known(con, docs)
    ids = [known[int(d)][0] for d in docs if int(d) in known]
    texts = searchtext.texts(con, catalog, ids, indexed)
    rows = []
    for doc, score in zip(docs, scores, strict=True):
        article_id, site = known.get(int(doc), ("", ""))
        text = texts.get(article_id, {})
        rows.append({"article_id": article_id, "doc": int(doc), "site": site,
                     "score": float(score),
                     **{k: v for k, v in text.items() if k != "article_id"}})
    return rows
