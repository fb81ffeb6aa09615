"""Team mode end to end: crawls of the fake NetEase site on one PostgreSQL and DuckLake."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pipeline.cli.main import main
from pipeline.store.team.lake import Lake
from tests.fakesites import FakeNetEase
from tests.lake import team_settings


def team_crawl(config: Path, pg_url: str, node: str, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", pg_url, "--node", node, "crawl",
                 "--site", "netease", "-q", *args])


@pytest.fixture
def shared(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = workdir / "shared"
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(path))
    return path


def lake_rows(pg_url: str, shared: Path, sql: str) -> list[tuple]:
    with Lake.open(team_settings(pg_url, shared, "reader"), read_only=True) as lake:
        return lake.con.execute(sql).fetchall()


def test_one_node_crawls_the_site_into_the_team_archive(config, ne: FakeNetEase, pg_url,
                                                         shared, capsys):
    ne.publish("tech", 12)
    assert team_crawl(config, pg_url, "n1") == 0, capsys.readouterr().err
    assert lake_rows(pg_url, shared, "SELECT count(*), count(DISTINCT article_id) "
                                     "FROM nv.articles") == [(12, 12)]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT state, count(*) FROM nv_ctl.frontier GROUP BY state"
                           ).fetchall() == [("done", 12)]
        assert con.execute("SELECT node, outcome, exit_code FROM nv_ctl.runs").fetchall() == [
            ("n1", "ok", 0)]
