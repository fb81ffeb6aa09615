"""The term index on team mode's lake: ids from PostgreSQL (two nodes never share a doc
number or a term id), append-only entries, counts that match the rows, and maintenance
that keeps them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config.settings import TermsSettings
from pipeline.index.segment import Segmenter
from pipeline.index.termwriter import CLUSTERS, segment_batch
from pipeline.store.maintain import maintain
from pipeline.store.records import Batch
from pipeline.store.team.control import PgControl
from pipeline.store.team.lake import Lake
from tests.lake import T0, batch, team_settings

pytestmark = pytest.mark.pg
ROOT = Path(__file__).resolve().parent.parent
STORIES = ["智谱发布新模型，人工智能行业关注。", "DeepSeek 开源推理模型，开发者关注。",
           "新能源汽车销量增长，电池企业扩产。", "芯片企业发布季度营收，同比增长。",
           "智谱与 MiniMax 竞争加剧，估值上升。", "机器人企业融资，投资方看好增长。"]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter.from_settings(TermsSettings(dictionary=str(ROOT / "configs/terms.txt")))


def node(pg_url: str, shared: Path, name: str) -> Lake:
    return Lake.open(team_settings(pg_url, shared, name), ids=PgControl.at(pg_url, node=name))


def stories(ids: range, run_id: int, edit: str = "") -> Batch:
    out = batch(ids, run_id=run_id, when=T0)
    for article, _, _ in out.articles:
        n = int(article.article_id[-7:])
        article.body = STORIES[n % len(STORIES)] + edit + f"第{n}篇。"
    return out


def index(lake: Lake, segmenter: Segmenter, ids: list[str]) -> None:
    rows = lake.term_rows(ids)
    lake.write_terms(rows, segment_batch(segmenter, rows), segmenter.digest, CLUSTERS)


def counts(lake: Lake) -> tuple[int, int]:
    """(sum of term_days.articles, current (article, term) rows with a day)."""
    days = lake.con.execute("SELECT coalesce(sum(articles), 0) FROM term_days").fetchone()[0]
    rows = lake.con.execute("SELECT count(*) FROM terms WHERE day IS NOT NULL").fetchone()[0]
    return int(days), int(rows)


@pytest.fixture
def two(pg_url: str, tmp_path: Path):
    a, b = node(pg_url, tmp_path / "shared", "node-a"), node(pg_url, tmp_path / "shared",
                                                              "node-b")
    a.write_archive(stories(range(6), run_id=1), run_id=1)
    yield a, b
    for lake in (a, b):
        lake.ids.close()  # type: ignore[union-attr]
        lake.close()


def ids(n: range) -> list[str]:
    return [f"163:K{i:07d}" for i in n]


def test_two_nodes_indexing_never_share_a_doc_number_or_a_term_id(two, segmenter):
    a, b = two
    index(a, segmenter, ids(range(0, 3)))
    index(b, segmenter, ids(range(3, 6)))
    docs = a.con.execute("SELECT count(*), count(DISTINCT doc), count(DISTINCT article_id) "
                         "FROM term_docs_current").fetchone()
    assert docs == (6, 6, 6)
    vocab = a.con.execute("SELECT count(DISTINCT term), count(DISTINCT term_id), count(*) "
                          "FROM term_ids").fetchone()
    assert vocab[0] == vocab[1] == vocab[2]
    assert a.term_ids(["智谱"]) and a.term_ids(["智谱"]) == b.term_ids(["智谱"])
    assert counts(a)[0] == counts(a)[1] > 0


def test_the_same_terms_from_two_nodes_get_one_id(two, segmenter):
    a, b = two
    index(a, segmenter, ids(range(0, 1)))  # 智谱 ...
    index(b, segmenter, ids(range(4, 5)))  # 智谱 again, from the other node
    assert a.con.execute("SELECT count(*) FROM terms WHERE term = '智谱'").fetchone() == (2,)


def test_reindexing_an_edited_article_replaces_its_entry_and_its_counts(two, segmenter):
    a, _ = two
    index(a, segmenter, ids(range(6)))
    a.write_archive(stories(range(1), run_id=2, edit="监管政策出台。"), run_id=2)
    assert a.term_status(segmenter.digest).stale == 1
    index(a, segmenter, ids(range(1)))
    status = a.term_status(segmenter.digest)
    assert (status.articles, status.current, status.stale, status.missing) == (6, 6, 0, 0)
    assert a.con.execute("SELECT count(*) FROM terms WHERE term = '监管'").fetchone() == (1,)
    assert counts(a)[0] == counts(a)[1]
    doc = a.con.execute("SELECT count(DISTINCT doc), count(*) FROM term_docs "
                        "WHERE article_id = '163:K0000000'").fetchone()
    assert doc == (1, 2)  # kept its number; two entries, the newer one read


def test_maintenance_compacts_the_counts_and_changes_no_trend(two, segmenter, pg_url,
                                                             tmp_path):
    a, _ = two
    index(a, segmenter, ids(range(6)))
    a.write_archive(stories(range(2), run_id=2, edit="监管政策出台。"), run_id=2)
    index(a, segmenter, ids(range(2)))
    before = a.con.execute("SELECT term, site, day, mentions, articles FROM term_daily "
                           "WHERE articles <> 0 ORDER BY ALL").fetchall()
    maintain(team_settings(pg_url, tmp_path / "shared", "maint"), older_than=0)
    with Lake.open(team_settings(pg_url, tmp_path / "shared", "reader"),
                   read_only=True) as reader:
        after = reader.con.execute("SELECT term, site, day, mentions, articles FROM "
                                   "term_daily WHERE articles <> 0 ORDER BY ALL").fetchall()
        assert after == before
        assert reader.con.execute("SELECT bool_and(compacted) FROM term_days").fetchone() == (
            True,)


def test_terms_without_the_control_state_say_so(pg_url, tmp_path, segmenter):
    with Lake.open(team_settings(pg_url, tmp_path / "shared", "lonely")) as lake:
        lake.write_archive(stories(range(1), run_id=1), run_id=1)
        rows = lake.term_rows(ids(range(1)))
        from pipeline.core.errors import WarehouseError

        with pytest.raises(WarehouseError, match="needs the control state"):
            lake.write_terms(rows, segment_batch(segmenter, rows), segmenter.digest,
                             CLUSTERS)


def test_term_rows_read_the_current_states(two):
    a, _ = two
    rows = a.term_rows(ids(range(2)))
    assert [r.article_id for r in rows] == ids(range(2))
    assert rows[0].day == dt.date(2026, 11, 30) and rows[0].body.startswith("智谱")
