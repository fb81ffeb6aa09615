"""The term index: segmentation, the user dictionary, and keeping the index current."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from pipeline.config.settings import TermsSettings
from pipeline.core.errors import ConfigError
from pipeline.core.records import Article
from pipeline.index import terms
from pipeline.index.segment import Segmenter, TermError, load_dictionary, load_stopwords
from pipeline.store.warehouse import Batch, Warehouse

ROOT = Path(__file__).resolve().parent.parent
ENTITIES = [e.word for e in load_dictionary(str(ROOT / "configs" / "terms.txt"))[0]]
SPLIT_WITHOUT_DICTIONARY = ["月之暗面", "火山引擎", "摩尔线程", "字节跳动", "阶跃星辰", "科大讯飞"]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter.from_settings(TermsSettings(dictionary=str(ROOT / "configs/terms.txt")))


def test_the_shipped_dictionary_is_the_built_in_one():
    assert (ROOT / "configs" / "terms.txt").read_text("utf-8") == \
        (ROOT / "pipeline" / "index" / "data" / "terms.txt").read_text("utf-8")


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("sentence", ["据报道{}今天宣布新一代模型", "{}与合作伙伴发布了产品",
                                      "投资人看好{}。"])
def test_dictionary_entities_stay_whole(segmenter, entity, sentence):
    assert entity in segmenter.terms(sentence.format(entity))


@pytest.mark.parametrize("entity", SPLIT_WITHOUT_DICTIONARY)
def test_without_the_dictionary_jieba_splits_them(entity):
    bare = Segmenter((), load_stopwords(""))
    assert entity not in bare.terms(f"据报道{entity}今天宣布新一代模型")


@pytest.mark.parametrize("text,term", [
    ("deepseek", "DeepSeek"), ("DEEPSEEK", "DeepSeek"), ("minimax", "MiniMax"),
    ("OpenAI", "openai"), ("ＡＩ", "ai"), ("人工智能", "人工智能"), ("GPT-4o", "gpt-4o"),
])
def test_a_query_word_has_one_normal_form(segmenter, text, term):
    assert segmenter.term_of(text) == term


@pytest.mark.parametrize("token", ["的", "我们", "，", "2026", "50%", "6.18", "a", " ", "the"])
def test_stop_words_numbers_punctuation_and_single_characters_are_left_out(segmenter, token):
    assert segmenter.terms(f"智谱{token}发布") == ["智谱", "发布"]


def test_full_width_letters_are_normalised_before_segmenting(segmenter):
    assert segmenter.terms("６．１８大促ＡＩ手机") == ["大促", "ai", "手机"]


@pytest.mark.parametrize("word,message", [
    ("阶跃X星辰", "is not one term to the segmenter (阶跃 + X + 星辰)"),
    ("我们", "is a stop-word"),
    ("的", "is a single character"),
    ("2026", "has no letter or Chinese character"),
])
def test_a_word_the_index_cannot_hold_is_refused_with_the_reason(segmenter, word, message):
    with pytest.raises(TermError, match=re.escape(message)):
        segmenter.term_of(word)


@pytest.mark.parametrize("text,message", [
    ("智谱 AI\n", "line 1: '智谱 AI' is not 'WORD [FREQ] [TAG]'"),
    ("# comment\n123\n", "line 2: '123' has no letter or Chinese character"),
])
def test_a_bad_dictionary_line_is_named(tmp_path, text, message):
    path = tmp_path / "terms.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_dictionary(str(path))


def test_a_missing_dictionary_outside_the_default_path_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"terms.dictionary .*nope.txt does not exist"):
        load_dictionary(str(tmp_path / "nope.txt"))


def test_another_dictionary_is_another_index_version(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("智谱\n", encoding="utf-8")
    one = Segmenter.from_settings(TermsSettings(dictionary=str(path))).digest
    path.write_text("智谱\n阶跃星辰\n", encoding="utf-8")
    assert Segmenter.from_settings(TermsSettings(dictionary=str(path))).digest != one


# ---------------------------------------------------------------------------- the index

def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_stored_article_is_indexed_when_stored(archive):
    assert rows(archive, "SELECT count(*) FROM articles") == \
        rows(archive, "SELECT count(*) FROM term_docs")
    assert rows(archive, "SELECT count(*) FROM articles a LEFT JOIN term_docs d "
                         "USING (article_id) WHERE d.content_hash IS DISTINCT FROM "
                         "a.content_hash") == [(0,)]


def test_term_rows_count_title_and_body(archive, segmenter):
    (title, body), = rows(archive, "SELECT title, body FROM articles "
                                   "WHERE article_id = '36kr:3800000000000001'")
    stored = dict(rows(archive, "SELECT term, count FROM terms "
                                "WHERE article_id = '36kr:3800000000000001'"))
    expected = segmenter.terms(title) + segmenter.terms(body)
    assert stored == {t: expected.count(t) for t in set(expected)}
    titled = {t for (t,) in rows(archive, "SELECT term FROM terms WHERE in_title AND "
                                          "article_id = '36kr:3800000000000001'")}
    assert titled == set(segmenter.terms(title))


def test_daily_counts_equal_the_article_rows(archive):
    by_rows = rows(archive, "SELECT term, site, day, sum(count), count(*) FROM terms "
                            "GROUP BY ALL ORDER BY ALL")
    by_days = rows(archive, "SELECT term, site, day, mentions, articles FROM term_daily "
                            "ORDER BY ALL")
    assert by_rows == by_days


def store(path: Path, article: Article) -> dict[str, str]:
    settings = settings_mod.load([], {"warehouse.path": str(path)}, environ={})
    with Warehouse.open(settings.warehouse) as warehouse:
        warehouse.after_store = terms.crawl_hook(settings)
        batch = Batch()
        batch.articles.append((article, None, dt.datetime.now(dt.UTC)))
        return warehouse.write_batch(batch, 2, 3).states


def test_an_updated_article_is_re_indexed_and_its_old_terms_leave_the_counts(archive):
    article_id = "36kr:3800000000000001"
    before = rows(archive, "SELECT sum(articles) FROM term_daily WHERE term = '壁仞'")
    article = Article(url="https://www.36kr.com/p/1", article_id=article_id, site="36kr",
                      title="壁仞发布新芯片", body="壁仞科技今天发布了新的芯片产品。",
                      published_at="2026-09-29T10:00:00+08:00")
    assert store(archive, article) == {article_id: "updated"}
    assert {t for (t,) in rows(archive, f"SELECT term FROM terms WHERE article_id = "
                                        f"'{article_id}'")} == {"壁仞", "发布", "芯片", "科技",
                                                                "产品"}
    after = rows(archive, "SELECT sum(articles) FROM term_daily WHERE term = '壁仞'")
    assert after[0][0] == (before[0][0] or 0) + 1
    assert rows(archive, "SELECT count(*) FROM term_daily WHERE term = 'DeepSeek' AND "
                         "day = DATE '2026-09-29'") == [(0,)]


def test_editing_the_dictionary_makes_articles_stale_until_newsvault_terms(archive, capsys):
    Path("terms.txt").write_text("智谱\n测试稿\n", encoding="utf-8")
    Path("cfg.toml").write_text("[terms]\ndictionary = 'terms.txt'\n", encoding="utf-8")
    nv = ["--warehouse", str(archive), "--config", "cfg.toml"]
    assert main([*nv, "terms", "--check"]) == 1
    assert "0 of 66 articles current, 66 stale" in capsys.readouterr().out
    assert main([*nv, "-q", "terms"]) == 0
    assert "indexed 66 articles" in capsys.readouterr().out
    assert main([*nv, "terms", "--check"]) == 0
    assert rows(archive, "SELECT count(DISTINCT article_id) FROM terms WHERE term = '测试稿'"
                ) == [(66,)]
    assert main([*nv, "-q", "terms"]) == 0
    assert "indexed 0 articles" in capsys.readouterr().out


def test_a_rebuild_recounts_the_daily_counts_without_changing_them(archive, capsys):
    before = rows(archive, "SELECT * FROM term_daily ORDER BY ALL")
    assert rows(archive, "SELECT bool_and(NOT compacted) FROM term_days") == [(True,)]
    assert main(["--warehouse", str(archive), "-q", "terms", "--rebuild"]) == 0
    assert "daily counts of 3 months recounted" in capsys.readouterr().out
    assert rows(archive, "SELECT * FROM term_daily ORDER BY ALL") == before
    assert rows(archive, "SELECT bool_and(compacted) FROM term_days") == [(True,)]
    assert rows(archive, "SELECT count(*) FROM term_recount") == [(0,)]
    for month in ("2026-09-01", "2026-10-01", "2026-11-01"):
        ids = [i for (i,) in rows(archive, f"SELECT term_id FROM term_days WHERE date_trunc("
                                           f"'month', day) = DATE '{month}' ORDER BY rowid")]
        assert ids == sorted(ids)  # sorted within the month, so a trend skips row groups


def test_an_interrupted_bulk_index_leaves_months_to_recount(archive, capsys):
    con = duckdb.connect(str(archive))
    con.execute("INSERT INTO term_recount VALUES (DATE '2026-10-01')")
    con.close()
    assert main(["--warehouse", str(archive), "terms", "--check"]) == 1
    assert "1 months await a recount" in capsys.readouterr().out
    assert main(["--warehouse", str(archive), "trend", "智谱"]) == 0
    assert "daily counts of 1 months await a recount" in capsys.readouterr().err
    assert main(["--warehouse", str(archive), "-q", "terms"]) == 0
    assert main(["--warehouse", str(archive), "terms", "--check"]) == 0


def test_a_crawl_whose_dictionary_is_broken_still_stores_articles(config, kr, ne, caplog):
    kr.publish(articles=1, flashes=1)
    Path("terms.txt").write_text("智谱 AI\n", encoding="utf-8")
    Path(config).write_text(Path(config).read_text() + "\n[terms]\ndictionary = 'terms.txt'\n")
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert "terms not indexed during this crawl" in caplog.text
    assert rows(Path("news.duckdb"), "SELECT count(*) FROM articles") == [(2,)]
    assert rows(Path("news.duckdb"), "SELECT count(*) FROM term_docs") == [(0,)]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("duckdb_extension_ducklake") is None,
                    reason="duckdb-extension-ducklake is not installed")
def test_the_index_works_the_same_in_a_ducklake_catalog(config, kr, ne, tmp_path, capsys):
    kr.publish(articles=2, flashes=2)
    ne.publish("tech", 2)
    lake = tmp_path / "lake"
    lake.mkdir()
    Path(config).write_text(Path(config).read_text().replace("[warehouse]\n", (
        f"[warehouse]\nattach = 'ducklake:{lake}/meta.ducklake'\n"
        f"attach_options = \"DATA_PATH '{lake}/data/'\"\nextensions = ['ducklake']\n"), 1))
    nv = ["--config", str(config)]
    assert main([*nv, "crawl", "-q"]) == 0
    assert main([*nv, "terms", "--check"]) == 0  # indexed by the crawl
    capsys.readouterr()
    assert main([*nv, "trend", "DeepSeek", "MiniMax", "--by", "month", "--csv"]) == 0
    before = capsys.readouterr().out
    assert main([*nv, "-q", "terms", "--rebuild"]) == 0  # re-index, retract, compact
    assert "indexed 6 articles" in capsys.readouterr().out
    assert main([*nv, "trend", "DeepSeek", "MiniMax", "--by", "month", "--csv"]) == 0
    assert capsys.readouterr().out == before
    assert ",DeepSeek,1," in before and not Path("warehouse/news.duckdb").exists()


def test_two_spellings_of_a_term_add_up(segmenter):
    body, title = segmenter.count("DEEPSEEK发布", "DeepSeek和deepseek都是DeepSeek")
    assert body["DeepSeek"] == 3 and title["DeepSeek"] == 1
