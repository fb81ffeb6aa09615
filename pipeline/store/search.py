"""What `newsvault search` reads: articles ranked by BM25 over the term index.

    plan = SearchPlan(terms=("智谱", "大模型"), ...)
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        found = find(warehouse, plan)      # total, facets, one page of rows

One read-only visit of the warehouse (warehouse/queries/search_*.sql): the query's
vocabulary ids and document frequencies; the article rows of each of its terms (those
to find and those to exclude; `newsvault terms` keeps term_rows sorted by term within
each month, so each term reads a few row groups a month), which keep the articles
having every wanted term and no excluded group (a bit mask per article), scored, in a
temp table; the quoted phrases are then checked in the text of those articles only;
facets and one page come from the temp table, and the page's texts by row id.

Scoring, per wanted term t of an article d (BM25 with a title bonus):

    idf(t) * ( tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avglen)) + TITLE * in_title )

with idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) over the articles of the days searched
(N of them, df with the term: counted from the term's rows as they are read), tf the
term's count in title and body,
len(d) the article's terms with repeats (term_docs.length; its distinct terms for rows
indexed before migration 0012 until `newsvault terms` fills them).  TITLE (2.0) is above
the most the body part can give (k1 + 1 = 2.2 only for a very frequent term): a word in
the title counts about as much as the word used throughout the body, and more than a
few mentions.

The values are written into the SQL text (checked numbers, quoted strings) rather than
passed as parameters: with parameters duckdb 1.5 imports pandas when it is installed.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.core.errors import QueryError
from pipeline.store.queries import inline_params, sql_text
from pipeline.store.warehouse import Warehouse

K1, B, TITLE = 1.2, 0.75, 2.0
FACET_LIMIT = 20  # values per facet (the largest first); sites and months are all shown
TEXT_THREADS = 2      # results' texts read at once (the machine's cores, at most)
MEMORY_LIMIT = "1GB"  # a reader's own session: above the writers' small cache setting


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


def _find(con: duckdb.DuckDBPyConnection, plan: SearchPlan, catalog: str) -> Found:
    every = tuple(dict.fromkeys([*plan.terms, *(t for g, _ in plan.excluded for t in g)]))
    ids = dict(con.execute(render(_query("search_vocabulary"), {"terms": every})).fetchall())
    missing = tuple(t for t in plan.terms if t not in ids)
    if missing:
        return Found(0, [], {"site": [], "month": [], "source": []}, missing)
    wanted = _wanted(con, plan, ids)
    postings = "\nUNION ALL\n".join(
        render(_query("search_postings"), {"term_id": term_id, "first": plan.first,
                                             "last": plan.last})
        for term_id in sorted(set(ids.values())))
    con.execute(render(_query("search_match"), {
        "wanted": Sql(wanted.values), "postings": Sql(postings), "need": wanted.need,
        "allowed": Sql(_allowed(wanted.groups(plan))), "site": plan.site, "k1": K1, "b": B,
        "title": TITLE, "avglen": wanted.avglen, "docs": wanted.docs}))
    keep = _text_test(plan, wanted.masks)
    if keep:
        con.execute(_query("search_rows"))
        con.execute(render(_query("search_text"), {"keep": Sql(keep)}))
    total_row = con.execute("SELECT count(*) FROM search_found").fetchone()
    total = int(total_row[0]) if total_row else 0
    facets: dict[str, list[tuple[str, int]]] = {"site": [], "month": [], "source": []}
    for facet, value, count in con.execute(render(_query("search_facets"), {
            "facet_limit": FACET_LIMIT})).fetchall():
        facets[facet].append((value, int(count)))
    rows = _page(con, plan, catalog) if total > plan.offset else []
    return Found(total, rows, facets)


@dataclass(frozen=True)
class _Wanted:
    values: str           # VALUES rows: (term_id, bit, required)
    need: int             # bit mask of the terms to find
    masks: list[int]      # bit mask of each excluded group (0: some term never seen)
    avglen: float
    docs: int             # articles searched: BM25's N

    def groups(self, plan: SearchPlan) -> list[int]:
        """The masks that exclude on terms alone (a phrase's group needs its text too)."""
        return [m for (_, phrase), m in zip(plan.excluded, self.masks, strict=True)
                if m and not phrase]


def _wanted(con: duckdb.DuckDBPyConnection, plan: SearchPlan, ids: dict[str, int]) -> _Wanted:
    """Each term's bit; the articles searched (the days asked for) and their mean length."""
    stats = con.execute(render(_query("search_stats"), {
        "first": plan.first, "last": plan.last})).fetchone()
    docs, avglen = (int(stats[0]), float(stats[1] or 1.0)) if stats else (0, 1.0)
    wanted_ids = sorted({ids[t] for t in plan.terms})
    bits = {term_id: 1 << n for n, term_id in enumerate(sorted(set(ids.values())))}
    rows = [f"({term_id}, {bit}::BIGINT, {'TRUE' if term_id in wanted_ids else 'FALSE'})"
            for term_id, bit in bits.items()]
    masks = [sum(bits[ids[t]] for t in set(terms)) if all(t in ids for t in terms) else 0
             for terms, _ in plan.excluded]
    return _Wanted(", ".join(rows), sum(bits[i] for i in wanted_ids), masks, max(avglen, 1.0),
                   docs)


def _allowed(groups: list[int]) -> str:
    """SQL true for an article's bit mask (`mask`) that holds no excluded group."""
    return " AND ".join(f"mask & {g} <> {g}" for g in groups) or "TRUE"


def _text_test(plan: SearchPlan, masks: list[int]) -> str:
    """SQL true for an article's `text` (and `mask`) that has every phrase and no
    excluded phrase; '' when the query has no phrase."""
    tests = [f"regexp_matches(text, {render('$p', {'p': p})})" for p in plan.phrases]
    tests += [f"NOT (mask & {m} = {m} AND regexp_matches(text, {render('$p', {'p': p})}))"
              for (_, p), m in zip(plan.excluded, masks, strict=True) if p and m]
    return " AND ".join(tests)


def _texts(con: duckdb.DuckDBPyConnection, catalog: str, rows: list[int]
           ) -> dict[str, dict[str, Any]]:
    """article_id -> what a result shows of it, for the articles at these row ids: one
    query per row, TEXT_THREADS at a time.  DuckDB reads a row's body by decoding the
    2,048 bodies of its vector (about 20 ms of CPU whatever the table's size), so this is
    the largest part of a search."""
    template = _query("search_texts")
    zone = con.execute("SELECT current_setting('TimeZone')").fetchone()

    def read(part: list[int]) -> list[dict[str, Any]]:
        cursor = con.cursor()  # a connection of its own: the session's settings again
        try:
            cursor.execute(f"USE {catalog}")
            if zone:  # published_at in the warehouse's time zone, as the other reads
                cursor.execute(render("SET TimeZone = $zone", {"zone": zone[0]}))
            found = []
            for row in part:
                result = cursor.execute(render(template, {"row": row}))
                names = [d[0] for d in result.description]
                found += [dict(zip(names, r, strict=True)) for r in result.fetchall()]
            return found
        finally:
            cursor.close()

    parts = [rows[n::TEXT_THREADS] for n in range(TEXT_THREADS) if rows[n::TEXT_THREADS]]
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")  # one row's scan gains nothing from more: a third less CPU
    try:
        with ThreadPoolExecutor(max(1, len(parts))) as pool:
            return {t["article_id"]: t for found in pool.map(read, parts) for t in found}
    finally:
        con.execute(f"SET threads = {int(threads[0]) if threads else 1}")


def _page(con: duckdb.DuckDBPyConnection, plan: SearchPlan, catalog: str
          ) -> list[dict[str, Any]]:
    """One page of the found articles, best first, with what a result shows of each."""
    page = con.execute(render(_query("search_page"), {
        "limit": plan.limit, "offset": plan.offset})).fetchall()
    if not page:
        return []
    ids = dict(con.execute(render(_query("search_ids"), {
        "docs": [doc for doc, _, _ in page]})).fetchall())
    rowids = dict(con.execute(render(_query("search_rowids"),
                                     {"ids": list(ids.values())})).fetchall())
    texts = _texts(con, catalog, list(rowids.values()))
    found = []
    for doc, site, score in page:
        article_id = ids.get(doc, "")
        text = texts.get(article_id, {})
        found.append({"article_id": article_id, "doc": doc, "site": site, "score": score,
                      **{k: v for k, v in text.items() if k != "article_id"}})
    return found


# --------------------------------------------------------------------------- literals

def _query(name: str) -> str:
    """A query file without its comment lines (which name the $parameters too)."""
    return "\n".join(line for line in sql_text(name).splitlines()
                     if not line.lstrip().startswith("--"))


class Sql(str):
    """A piece of SQL made here (of checked numbers and quoted strings), written in as is."""


_NAME = re.compile(r"\$([a-z_][a-z0-9_]*)\b")


def render(sql: str, params: dict[str, Any]) -> str:
    """`sql` with each $name written in as a literal (store.queries.inline_params; floats
    as DOUBLE, lists as comma-separated items, Sql as it is)."""
    def literal(value: Any) -> str:
        if isinstance(value, float):
            return f"{value!r}::DOUBLE"
        return inline_params("$v", {"v": value})

    def value(match: re.Match[str]) -> str:
        if match[1] not in params:
            return match[0]
        given = params[match[1]]
        if isinstance(given, Sql):
            return str(given)
        if isinstance(given, list | tuple):
            return ", ".join(map(literal, given)) if given else "NULL"
        return literal(given)

    return _NAME.sub(value, sql)
