"""`newsvault search` reads the warehouse in more than one way, chosen by size and by
what the warehouse has; every way finds the same articles, in the same order, with the
same scores, snippets and facets:

* the articles found: their term_docs rows by doc (few found) or one scan of the days
  searched (many found: SCAN_SHARE);
* texts and phrases: fetched through the index on articles.article_id (migration 0013),
  or without it (a DuckLake catalog has no index): by row id, and phrases by one scan;
  phrases in very many articles (FETCH_MAX) by a scan too.

And the arithmetic (pipeline.store.searchrank) against a plain Python reading of BM25.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipeline.analyze.search import SearchQuery, search
from pipeline.config import settings as settings_mod
from pipeline.index.terms import crawl_hook
from pipeline.store import search as store_search
from pipeline.store import searchrank, searchtext
from pipeline.store.searchrank import NO_DAY, Postings
from pipeline.store.warehouse import Batch, Warehouse
from tests.test_search import built, corpus, run  # noqa: F401  (built: the module's warehouse)

QUERIES = [
    ("芯片", {"limit": 100}),
    ("芯片", {"limit": 5, "offset": 5}),
    ("智谱", {}),
    ("智谱", {"site": "netease"}),
    ("智谱", {"since": "2026-09-04", "until": "2026-09-10"}),
    ("智谱 -融资", {}),
    ('智谱 -"新一轮融资"', {}),
    ('"量子计算机"', {}),
    ('量子 -"量子计算机"', {}),
    ("智谱 寒武纪", {}),
]


def results(path: Path) -> list[dict]:
    return [run(path, text, **options).to_dict() for text, options in QUERIES]


@pytest.fixture(scope="module")
def expected(built: Path) -> list[dict]:  # noqa: F811
    return results(built)


def _without_index(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(f"DROP INDEX {searchtext.INDEX}")
    finally:
        con.close()


def _out_of_doc_order(path: Path) -> None:
    """term_docs and term_rows rewritten in falling doc order (re-indexed articles come
    last; a DuckLake catalog's rows come in its files' order)."""
    con = duckdb.connect(str(path))
    try:
        for table in ("term_docs", "term_rows"):
            con.execute(f"CREATE TABLE backwards AS SELECT * FROM {table} ORDER BY doc DESC")
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM backwards")
            con.execute("DROP TABLE backwards")
    finally:
        con.close()


def _setting(module: object, name: str, value: object) -> Callable[..., None]:
    return lambda path, monkeypatch: monkeypatch.setattr(module, name, value)


def _scanned_out_of_doc_order(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _out_of_doc_order(path)
    monkeypatch.setattr(store_search, "SCAN_SHARE", 0.0)


WAYS: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    "term_docs scanned for every search": _setting(store_search, "SCAN_SHARE", 0.0),
    "term_docs and term_rows out of doc order, scanned": _scanned_out_of_doc_order,
    "term_docs read by doc for every search": _setting(store_search, "SCAN_SHARE", 2.0),
    "phrases checked by a scan": _setting(searchtext, "FETCH_MAX", 0),
    "no index on article_id": lambda path, monkeypatch: _without_index(path),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_every_way_of_reading_finds_the_same(way, built, expected, tmp_path,  # noqa: F811
                                             monkeypatch):
    path = Path(shutil.copy(built, tmp_path / "news.duckdb"))
    WAYS[way](path, monkeypatch)
    assert results(path) == expected


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("duckdb_extension_ducklake") is None,
                    reason="duckdb-extension-ducklake is not installed")
def test_a_ducklake_catalog_without_the_index_finds_the_same(expected, tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    settings = settings_mod.load([], {
        "warehouse.attach": f"ducklake:{lake}/meta.ducklake",
        "warehouse.attach_options": f"DATA_PATH '{lake}/data/'",
        "warehouse.extensions": ["ducklake"]}, environ={})
    with Warehouse.open(settings.warehouse) as warehouse:  # migration 0013 recorded, not run
        warehouse.after_store = crawl_hook(settings)
        articles = corpus()
        for first in range(0, len(articles), 5):
            batch = Batch()
            batch.articles = [(a, None, dt.datetime.now(dt.UTC)) for a in articles[first:first + 5]]
            warehouse.write_batch(batch, run_id=1, max_attempts=3)
        assert not searchtext.has_index(warehouse.con, warehouse.catalog)
    assert [search(settings, SearchQuery(text, **options)).to_dict()
            for text, options in QUERIES] == expected


def test_the_warehouse_indexes_article_ids_for_search(built):  # noqa: F811
    con = duckdb.connect(str(built), read_only=True)
    try:
        assert searchtext.has_index(con, "news")
        plan = con.execute("EXPLAIN ANALYZE SELECT body FROM articles WHERE article_id IN "
                           "('36kr:3900000000000000', '36kr:3900000000000002')").fetchall()
    finally:
        con.close()
    assert "Index Scan" in plan[0][1]  # the rows alone, not their whole vectors


# ------------------------------------------------------------------ the arithmetic

def _postings(rows: dict[int, list[tuple[int, int, bool]]]) -> dict[int, Postings]:
    return {term: Postings(np.array([d for d, _, _ in r], dtype=np.int32),
                           np.array([c for _, c, _ in r], dtype=np.int32),
                           np.array([t for _, _, t in r], dtype=np.bool_))
            for term, r in rows.items()}


ROWS = {1: [(1, 3, True), (2, 1, False), (4, 2, False), (7, 1, False)],
        2: [(2, 5, False), (4, 1, True), (7, 2, False), (9, 1, False)],
        3: [(4, 1, False), (9, 2, False)]}
LENGTHS = {1: 50, 2: 120, 4: 80, 7: 200, 9: 60}


def _reference(docs: list[int], wanted: list[int], n: int, avglen: float) -> list[float]:
    scores = []
    k1, b, title = searchrank.K1, searchrank.B, searchrank.TITLE
    for doc in docs:
        score = 0.0
        for term in wanted:
            df = len(ROWS[term])
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for d, tf, in_title in ROWS[term]:
                if d == doc:
                    norm = k1 * (1 - b + b * LENGTHS[doc] / avglen)
                    score += idf * (tf * (k1 + 1) / (tf + norm) + title * in_title)
        scores.append(score)
    return scores


@pytest.mark.parametrize("need,groups,found", [
    ([1, 2], [], [2, 4, 7]),
    ([1, 2], [[3]], [2, 7]),
    ([2], [[1, 3]], [2, 7, 9]),  # a group takes out only the docs having all its terms
    ([1, 3], [], [4]),
    ([3, 1], [[2]], []),
])
def test_the_docs_found_have_every_wanted_term_and_no_excluded_group(need, groups, found):
    assert searchrank.matches(_postings(ROWS), need, groups).tolist() == found


@pytest.mark.parametrize("found,wanted", [
    ([2, 4, 7], [1, 2]),   # some of each term's docs
    ([2, 4, 7, 9], [2]),   # every doc of the term: its rows line up with the docs found
    ([4], [1, 3]),
    ([4, 7], [2]),
])
def test_scores_are_bm25_with_the_title_bonus(found, wanted):
    docs = np.array(found, dtype=np.int32)
    lengths = np.array([LENGTHS[d] for d in found])
    scores = searchrank.bm25(_postings(ROWS), wanted, docs, lengths, 10, 100.0)
    assert scores.tolist() == pytest.approx(_reference(found, wanted, 10, 100.0))


def test_a_term_with_two_rows_for_one_doc_scores_both():
    rows = {1: [(2, 1, False), (2, 2, True), (4, 1, False)]}  # never written by the index
    postings = _postings(rows)
    scores = searchrank.bm25(postings, [1], np.array([2, 4], dtype=np.int32),
                             np.array([120, 80]), 10, 100.0)
    alone = searchrank.bm25(_postings({1: [(2, 1, False), (4, 1, False)]}), [1],
                            np.array([2, 4], dtype=np.int32), np.array([120, 80]), 10, 100.0)
    assert scores[0] > alone[0] and scores[1] > 0


def test_a_page_is_ordered_by_score_then_the_newer_day_then_the_larger_doc():
    scores = np.array([1.0, 3.0, 3.0, 3.0, 2.0, 3.0])
    days = np.array([5, 9, NO_DAY, 9, 1, 10], dtype=np.int32)
    docs = np.array([10, 11, 12, 13, 14, 15], dtype=np.int32)
    everything = searchrank.page_order(scores, days, docs, 0, 6)
    assert docs[everything].tolist() == [15, 13, 11, 12, 14, 10]
    for offset, limit in ((0, 2), (1, 2), (2, 3), (4, 5)):
        page = searchrank.page_order(scores, days, docs, offset, limit)
        assert page.tolist() == everything[offset:offset + limit].tolist()


def test_months_are_counted_from_days_and_undated_articles_left_out():
    days = np.array([0, 30, 31, NO_DAY, 20454], dtype=np.int32)  # 20454: 2026-01-01
    assert searchrank.month_counts(days) == [("1970-01", 2), ("1970-02", 1), ("2026-01", 1)]


@pytest.mark.parametrize("sorted_below,bits", [
    (10**9, (16, 20)),  # sorted
    (0, (16, 20)),      # buckets, hardly any clash
    (0, (3, 3)),        # 8 buckets for 40 keys: most buckets hold several keys
    (0, (2, 16)),       # 4 buckets: too many clashes, counted again in 65,536
])
def test_facet_values_are_counted_exactly_however_they_are_counted(sorted_below, bits,
                                                                   monkeypatch):
    monkeypatch.setattr(searchrank, "SORTED_BELOW", sorted_below)
    monkeypatch.setattr(searchrank, "BUCKET_BITS", bits)
    rng = np.random.default_rng(5)
    values = rng.integers(1, 2**63, 40, dtype=np.uint64)
    keys = values[rng.integers(0, 40, 5000)]
    count = searchrank.counted(keys)
    expected = dict(zip(*np.unique(keys, return_counts=True), strict=True))
    assert dict(zip(count.keys.tolist(), count.counts.tolist(), strict=True)) == \
        {int(k): int(n) for k, n in expected.items()}
    assert (keys[count.first] == count.keys).all()  # each names an article having it
