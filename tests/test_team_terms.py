"""`newsvault terms` from several nodes of one team archive: the articles to index are
shared out in leased units, each indexed once; two nodes indexing the same article
(a crawl beside `terms`) take turns, so its counts are taken once."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pipeline.cli.main import main
from pipeline.config.settings import TermsSettings
from pipeline.index.segment import Segmenter
from pipeline.index.termwriter import CLUSTERS, segment_batch
from pipeline.store.team.control import PgControl
from pipeline.store.team.lake import Lake
from tests.lake import team_settings
from tests.pagelake import page_archive
from tests.team import at_once, processes_at_once

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 60  # 6 units of 10


@pytest.fixture
def team(pg_url: str, tmp_path: Path) -> tuple[str, Path, list[str]]:
    shared = tmp_path / "shared"
    ids = page_archive(team_settings(pg_url, shared, "builder"), ARTICLES)
    config = tmp_path / "team.toml"
    config.write_text(f'[warehouse]\ndata_path = "{shared}"\n'
                      "[team]\nlease_ttl = 3\nheartbeat = 0.3\n"
                      f'[terms]\ndictionary = "{ROOT / "configs/terms.txt"}"\n')
    return pg_url, config, ids


def argv(team, node: str, *more: str) -> list[str]:
    return ["--config", str(team[1]), "--warehouse", team[0], "--node", node, "terms",
            *more]


def lake_rows(team, sql: str) -> list[tuple]:
    shared = team[1].parent / "shared"
    with Lake.open(team_settings(team[0], shared, "reader"), read_only=True) as lake:
        return lake.con.execute(sql).fetchall()


def consistent(team) -> None:
    """One current entry per article, distinct doc numbers and term ids, and daily counts
    that match the rows."""
    assert lake_rows(team, "SELECT count(*), count(DISTINCT doc), count(DISTINCT article_id) "
                           "FROM term_docs_current") == [(ARTICLES,) * 3]
    assert lake_rows(team, "SELECT count(*) = count(DISTINCT term_id) FROM term_ids") == [
        (True,)]
    days = lake_rows(team, "SELECT coalesce(sum(articles), 0) FROM term_days")[0][0]
    rows = lake_rows(team, "SELECT count(*) FROM terms WHERE day IS NOT NULL")[0][0]
    assert days == rows > 0


def test_two_nodes_at_once_index_each_article_once(team):
    results = processes_at_once(["cli", *argv(team, "n1")], ["cli", *argv(team, "n2")])
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    consistent(team)
    assert lake_rows(team, "SELECT count(*), count(DISTINCT article_id) FROM term_docs") == [
        (ARTICLES, ARTICLES)]  # one entry each: nothing indexed twice
    with psycopg.connect(team[0]) as con:
        runs = con.execute("SELECT node, command, outcome, exit_code FROM nv_ctl.runs "
                           "ORDER BY node").fetchall()
        shares = con.execute("SELECT count(DISTINCT done_run), count(*) FROM "
                             "nv_ctl.work_units WHERE state = 'done'").fetchone()
    assert runs == [("n1", "terms", "ok", 0), ("n2", "terms", "ok", 0)]
    assert shares == (2, 6)


def test_a_rerun_indexes_nothing_and_check_says_current(team, capsys):
    assert main(argv(team, "n1", "--check")) == 1
    assert main(argv(team, "n1")) == 0
    assert main(argv(team, "n2")) == 0
    out = capsys.readouterr().out
    assert "indexed 60 articles" in out and "indexed 0 articles" in out
    assert main(argv(team, "n1", "--check")) == 0
    assert lake_rows(team, "SELECT count(*) FROM term_docs") == [(ARTICLES,)]


def test_two_nodes_indexing_the_same_articles_at_once_take_turns(team):
    terms = TermsSettings(dictionary=str(ROOT / "configs/terms.txt"))
    shared = team[1].parent / "shared"
    nodes = [Lake.open(team_settings(team[0], shared, n), ids=PgControl.at(team[0], node=n))
             for n in ("a", "b")]
    try:
        def index(lake: Lake) -> None:
            segmenter = Segmenter.from_settings(terms)  # one each: jieba is not shared
            rows = lake.term_rows(team[2])
            lake.write_terms(rows, segment_batch(segmenter, rows), segmenter.digest, CLUSTERS)

        at_once(lambda: index(nodes[0]), lambda: index(nodes[1]))
    finally:
        for lake in nodes:
            lake.ids.close()  # type: ignore[union-attr]
            lake.close()
    consistent(team)  # the second entry retracted the first's counts, not the same twice
