"""`newsvault search`: BM25 over the term index, phrases, exclusions, filters, paging,
snippets, facets, and the command line.

The warehouse is written through the warehouse's own writer with the crawl's term hook
(as tests/archive.py does), so the index is built exactly as a crawl builds it.  The
articles are written for these tests: a few about 智谱, two about 量子/计算机 for
phrases, and a dozen about 芯片 for paging.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.analyze.search import SearchQuery, search
from pipeline.analyze.searchparse import parse_query
from pipeline.analyze.snippet import ELLIPSIS, WIDTH, snippet
from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from pipeline.core.errors import UsageError
from pipeline.core.records import Article
from pipeline.index.segment import Segmenter
from pipeline.index.terms import crawl_hook
from pipeline.store.warehouse import Batch, Warehouse

BEIJING = dt.timezone(dt.timedelta(hours=8))
FILLER = "城市交通建设持续推进，道路改造按计划完成。"  # no query word in it
# (key, site, title, body, day in 2026, hour, 来源)
STORIES = [
    ("title", "36kr", "智谱发布新一代模型", "本周工程团队介绍了产品路线和训练方法。", (9, 3), 10,
     "36氪"),
    ("body", "netease", "本周科技行业回顾", "多家公司介绍了新产品，其中智谱也参加了展会。",
     (9, 4), 9, "网易科技"),
    ("funding", "36kr", "投资周报", "智谱完成新一轮融资，资金将用于研发。", (9, 10), 8, "36氪"),
    ("long", "netease", "城市观察", FILLER * 12 + "会场外智谱展台人流不断。" + FILLER * 12, (10, 2),
     15, "网易号城市笔记"),
    ("phrase", "netease", "实验室消息", "实验室展示了量子计算机原型。", (10, 5), 11, "网易科技"),
    ("apart", "36kr", "研究简报", "量子通信取得进展，另有团队研究计算机视觉。", (10, 6), 12,
     "36氪"),
]
CHIPS = 12  # articles mentioning 芯片, for paging


def _article(n: int, key: str, site: str, title: str, body: str, day: tuple[int, int],
             hour: int, source: str) -> Article:
    published = dt.datetime(2026, *day, hour, tzinfo=BEIJING)
    if site == "36kr":
        article_id, url = f"36kr:{3900000000000000 + n}", f"https://www.36kr.com/p/{n}"
    else:
        docid = f"S{n:07d}000199AB"
        article_id, url = f"163:{docid}", f"https://www.163.com/dy/article/{docid}.html"
    return Article(url=url, article_id=article_id, site=site, title=title, body=body,
                   author="作者", source=source, published_at=published.isoformat(),
                   tags=["科技"])


def corpus() -> list[Article]:
    articles = [_article(n, *story) for n, story in enumerate(STORIES)]
    for k in range(CHIPS):
        site = "36kr" if k % 2 else "netease"
        body = "芯片" * (k % 4 + 1) + "供应链调整。" + FILLER * (k % 3 + 1)
        articles.append(_article(100 + k, f"chip{k}", site, f"产业观察第{k}期", body,
                                 (9 + k % 2, 1 + k), 8, "36氪" if site == "36kr" else "网易科技"))
    return articles


KEYS = {story[0]: _article(n, *story).article_id for n, story in enumerate(STORIES)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse, written in crawl-sized batches with the crawl's term hook."""
    path = tmp_path_factory.mktemp("search") / "news.duckdb"
    settings = settings_mod.load([], {"warehouse.path": str(path)}, environ={})
    with Warehouse.open(settings.warehouse) as warehouse:
        warehouse.after_store = crawl_hook(settings)
        articles = corpus()
        for first in range(0, len(articles), 5):
            batch = Batch()
            batch.articles = [(a, None, dt.datetime.now(dt.UTC)) for a in articles[first:first + 5]]
            warehouse.write_batch(batch, run_id=1, max_attempts=3)
    return path


@pytest.fixture
def warehouse(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy as ./news.duckdb in a clean working folder."""
    monkeypatch.chdir(tmp_path)
    for name in ("NEWSVAULT_WAREHOUSE", "NEWSVAULT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return Path(shutil.copy(built, tmp_path / "news.duckdb"))


def find(path: Path, text: str, **options) -> list[str]:
    return [h.article_id for h in run(path, text, **options).hits]


def run(path: Path, text: str, **options):
    settings = settings_mod.load([], {"warehouse.path": str(path)}, environ={})
    return search(settings, SearchQuery(text, **options))


def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------------------- ranking

def test_a_word_in_the_title_outranks_the_same_word_in_the_body_only(warehouse):
    found = find(warehouse, "智谱")
    assert found.index(KEYS["title"]) < found.index(KEYS["body"])
    assert set(found) == {KEYS["title"], KEYS["body"], KEYS["funding"], KEYS["long"]}


def test_every_result_has_all_the_words(warehouse):
    assert find(warehouse, "智谱 融资") == [KEYS["funding"]]
    assert find(warehouse, "智谱 量子") == []


def test_chinese_needs_no_spaces_it_is_segmented_like_the_index(warehouse):
    assert find(warehouse, "智谱融资") == find(warehouse, "智谱 融资") == [KEYS["funding"]]


def test_more_mentions_score_higher_among_equal_articles(warehouse):
    hits = run(warehouse, "芯片", limit=CHIPS).hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].snippet.text.count("芯片") == 4  # the most mentions first


def test_a_word_never_indexed_finds_nothing_with_a_note(warehouse):
    result = run(warehouse, "智谱 寒武纪")
    assert result.total == 0 and result.hits == []
    assert result.notes == ["never indexed: 寒武纪 (no article has it)"]


# ---------------------------------------------------------------- phrases and exclusion

def test_a_quoted_phrase_must_stand_together_in_the_text(warehouse):
    assert set(find(warehouse, "量子计算机")) == {KEYS["phrase"], KEYS["apart"]}
    assert find(warehouse, '"量子计算机"') == [KEYS["phrase"]]
    assert find(warehouse, "“量子 计算机”") == [KEYS["phrase"]]  # Chinese quotes, spaced


@pytest.mark.parametrize("query,gone", [
    ("智谱 -融资", "funding"),
    ("智谱 -展会", "body"),
    ('智谱 -"新一轮融资"', "funding"),
    ('量子 -"量子计算机"', "phrase"),
])
def test_a_minus_word_or_phrase_excludes_the_articles_having_it(warehouse, query, gone):
    found = find(warehouse, query)
    assert KEYS[gone] not in found and found


def test_excluding_a_word_never_indexed_excludes_nothing(warehouse):
    assert find(warehouse, "智谱 -寒武纪") == find(warehouse, "智谱")


# ------------------------------------------------------------------------- filters

@pytest.mark.parametrize("options,expected", [
    ({"site": "netease"}, {"body", "long"}),
    ({"site": "36kr"}, {"title", "funding"}),
    ({"since": "2026-09-05"}, {"funding", "long"}),
    ({"until": "2026-09-04"}, {"title", "body"}),
    ({"since": "2026-09-04", "until": "2026-09-10"}, {"body", "funding"}),
    ({"since": dt.date(2026, 10, 1)}, {"long"}),
])
def test_site_and_beijing_date_filters(warehouse, options, expected):
    assert set(find(warehouse, "智谱", **options)) == {KEYS[k] for k in expected}


def test_pages_follow_the_ranking(warehouse):
    everything = find(warehouse, "芯片", limit=100)
    assert len(everything) == CHIPS
    pages = [find(warehouse, "芯片", limit=5, offset=offset) for offset in (0, 5, 10)]
    assert pages == [everything[:5], everything[5:10], everything[10:]]
    last = run(warehouse, "芯片", limit=5, offset=10)
    assert last.total == CHIPS and not last.has_more
    assert run(warehouse, "芯片", limit=5, offset=50).hits == []


# ------------------------------------------------------------------------ results

def test_a_hit_carries_what_a_result_shows(warehouse):
    hit = run(warehouse, "智谱", site="36kr", until="2026-09-03").hits[0]
    assert (hit.article_id, hit.site, hit.title, hit.source) == \
        (KEYS["title"], "36kr", "智谱发布新一代模型", "36氪")
    assert hit.url == "https://www.36kr.com/p/0"
    assert hit.published_at == dt.datetime(2026, 9, 3, 10, tzinfo=BEIJING)
    assert hit.published_at.utcoffset() == dt.timedelta(hours=8)  # warehouse.timezone
    assert hit.score > 0


def test_the_snippet_is_the_passage_around_the_match_with_it_marked(warehouse):
    hit = next(h for h in run(warehouse, "智谱").hits if h.article_id == KEYS["long"])
    text, marks = hit.snippet.text, hit.snippet.marks
    assert text.startswith(ELLIPSIS) and text.endswith(ELLIPSIS)
    assert len(text) <= WIDTH + 2 and "\n" not in text
    assert [text[s:e] for s, e in marks] == ["智谱"]
    assert ("智谱", True) in hit.snippet.parts()
    assert "<mark>智谱</mark>" in hit.snippet.marked("<mark>", "</mark>")


@pytest.mark.parametrize("body,words,shown", [
    ("DeepSeek发布模型", ["deepseek"], ["DeepSeek"]),          # case-insensitive
    ("大模型 发布会", ["大模型 发布"], ["大模型 发布"]),           # a phrase across a space
    ("没有关键词的正文", ["智谱"], []),                          # a title match: no marks
    ("智谱和智谱", ["智谱"], ["智谱", "智谱"]),
])
def test_snippet_marks(body, words, shown):
    snip = snippet(body, words)
    assert [snip.text[s:e] for s, e in snip.marks] == shown
    assert "".join(piece for piece, _ in snip.parts()) == snip.text


def test_the_snippet_window_prefers_the_passage_with_more_of_the_words():
    body = "智谱" + FILLER * 10 + "智谱与芯片厂商合作" + FILLER * 10
    snip = snippet(body, ["智谱", "芯片"])
    assert sorted(snip.text[s:e] for s, e in snip.marks) == ["智谱", "芯片"]


# ------------------------------------------------------------------------- facets

def test_facets_count_all_the_articles_found_by_site_month_and_source(warehouse):
    result = run(warehouse, "芯片", limit=1)
    assert result.total == CHIPS and len(result.hits) == 1
    direct = rows(warehouse, """
        SELECT site, strftime(timezone('Asia/Shanghai', published_at), '%Y-%m'), source
        FROM articles WHERE body LIKE '%芯片%'""")
    for name, column in (("site", 0), ("month", 1), ("source", 2)):
        expected = {}
        for row in direct:
            expected[row[column]] = expected.get(row[column], 0) + 1
        assert {f.value: f.count for f in result.facets[name]} == expected
    assert [f.value for f in result.facets["month"]] == ["2026-09", "2026-10"]


def test_results_as_json_ready_data(warehouse):
    data = run(warehouse, '智谱 -融资', site="netease").to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["total"] == 2 and data["terms"] == ["智谱"]
    assert set(data["facets"]) == {"site", "month", "source"}
    assert {"article_id", "score", "snippet", "published_at"} <= set(data["hits"][0])


# ------------------------------------------------------------------- the query text

@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    settings = settings_mod.load([], {}, environ={})
    return Segmenter.from_settings(settings.terms)


@pytest.mark.parametrize("text,required,phrases,excluded", [
    ("智谱", ("智谱",), (), ()),
    ("ＤｅｅｐＳｅｅｋ 智谱", ("DeepSeek", "智谱"), (), ()),
    ('智谱 "量子计算机" -融资', ("智谱", "量子", "计算机"), ("量子计算机",), (("融资",),)),
    ("智谱 的 -我们 -融资", ("智谱",), (), (("融资",),)),
    ("GPT-4o 智谱", ("gpt-4o", "智谱"), (), ()),
    ('"智谱"', ("智谱",), (), ()),                  # one term: no text check needed
    ('"大模型"', ("模型",), ("大模型",), ()),          # the single character 大 is kept
])
def test_parsing_the_query(segmenter, text, required, phrases, excluded):
    parsed = parse_query(text, segmenter)
    assert parsed.required == required
    assert tuple(p.text for p in parsed.phrases) == phrases
    assert tuple(g.terms for g in parsed.excluded) == excluded


@pytest.mark.parametrize("text,message", [
    ("", "the search query is empty"),
    ("   ", "the search query is empty"),
    ("的 我们", "has no searchable word"),
    ("-融资", "only excludes"),
])
def test_a_query_asking_for_nothing_is_refused(segmenter, text, message):
    with pytest.raises(UsageError, match=message):
        parse_query(text, segmenter)


# ------------------------------------------------------- what the index keeps for search

def test_each_indexed_article_keeps_its_length_and_source(warehouse):
    assert rows(warehouse, """
        SELECT count(*) FILTER (WHERE d.length = r.total AND d.source = a.source), count(*)
        FROM term_docs AS d JOIN articles AS a USING (article_id)
        JOIN (SELECT doc, sum(count) AS total FROM term_rows GROUP BY doc) AS r USING (doc)
    """) == [(len(corpus()), len(corpus()))]


def test_newsvault_terms_fills_the_rows_indexed_before_search(warehouse):
    before = find(warehouse, "智谱")
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE term_docs SET length = NULL, source = NULL")
    con.close()
    assert find(warehouse, "智谱") and run(warehouse, "智谱").facets["source"] == []
    assert main(["--warehouse", str(warehouse), "-q", "terms"]) == 0
    assert rows(warehouse, "SELECT count(*) FROM term_docs WHERE length IS NULL "
                           "OR source IS NULL") == [(0,)]
    assert find(warehouse, "智谱") == before


def test_newsvault_terms_keeps_each_months_rows_sorted_by_term(warehouse):
    before = [(h.article_id, h.score) for h in run(warehouse, "芯片", limit=100).hits]
    assert main(["--warehouse", str(warehouse), "-q", "terms"]) == 0
    for (month,) in rows(warehouse, "SELECT DISTINCT date_trunc('month', day) FROM term_rows"):
        ids = [r[0] for r in rows(warehouse, f"""
            SELECT term_id FROM term_rows WHERE date_trunc('month', day) = '{month}'
            ORDER BY rowid""")]
        assert ids == sorted(ids)
    assert [(h.article_id, h.score) for h in run(warehouse, "芯片", limit=100).hits] == before


# ------------------------------------------------------------------- command line

def nv(*args: str) -> int:
    return main(["--warehouse", "news.duckdb", "search", *args])


def test_the_list_shows_results_count_and_facets(warehouse, capsys):
    assert nv("智谱", "--limit", "2") == 0
    out = capsys.readouterr().out
    assert out.startswith("1. 智谱发布新一代模型")
    assert "4 articles found, showing 1-2" in out and "sites: " in out


def test_csv_output(warehouse, capsys):
    assert nv("智谱 -融资", "--csv") == 0
    captured = capsys.readouterr()
    table = list(csv.reader(io.StringIO(captured.out)))
    assert table[0] == ["article_id", "site", "published_at", "title", "url", "source",
                        "score", "snippet"]
    assert [r[0] for r in table[1:]] == find(warehouse, "智谱 -融资")
    assert "3 articles found" in captured.err


def test_json_output(warehouse, capsys):
    assert nv("芯片", "--json", "--limit", "3", "--offset", "3") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["article_id"] for h in lines] == find(warehouse, "芯片", limit=3, offset=3)
    assert all("芯片" in h["snippet"]["text"][s:e] for h in lines
               for s, e in h["snippet"]["marks"])


def test_nothing_found_is_not_an_error(warehouse, capsys):
    assert nv("智谱 量子") == 0
    assert "no articles found" in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    ([""], "the search query is empty"),
    (["的"], "has no searchable word"),
    (["智谱", "--since", "yesterday"], "--since 'yesterday' is not a date"),
    (["智谱", "--until", "2026-10-01T08:00"], "is not a date: use YYYY-MM-DD"),
    (["智谱", "--since", "2026-10-01", "--until", "2026-09-01"], "the range is empty"),
    (["智谱", "--limit", "0"], "--limit 0 is not a number of results"),
    (["智谱", "--limit", "ten"], "--limit 'ten' is not a whole number"),
    (["智谱", "--offset", "-5"], "--offset -5 is not a number of results to skip"),
    (["智谱", "--site", "weibo"], "--site 'weibo' is not a site"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_input_exits_2_with_one_line(warehouse, capsys, args, message):
    assert nv(*args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err


def test_a_missing_warehouse_exits_74(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert nv("智谱") == 74
    assert "no warehouse at" in capsys.readouterr().err
