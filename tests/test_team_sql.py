"""Analysts on team mode (issue 16 point 7): `newsvault sql` reads the lake, with the
control state beside it as `ctl`, in the same read-only sandbox as on a DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.store.team import schema
from pipeline.store.team.connect import connect
from pipeline.store.team.lake import Lake
from pipeline.store.team.session import attach_sql
from tests.lake import batch, team_settings

pytestmark = pytest.mark.pg


@pytest.fixture
def team(pg_url: str, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A team warehouse with 12 articles (and the control schema); its URI."""
    shared = tmp_path / "shared"
    with Lake.open(team_settings(pg_url, shared, "node-a")) as lake:
        lake.write_archive(batch(range(12), run_id=1), run_id=1)
    with connect(pg_url, autocommit=True) as con:
        schema.ensure(con)
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(shared))
    return pg_url


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def sql(team: str, query: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--warehouse", team, "sql", "--json", query])
    out, err = capsys.readouterr()
    return code, out, err


def test_sql_reads_the_lake(team, capsys):
    code, out, _ = sql(team, "SELECT count(*) AS n, count(DISTINCT node) AS nodes "
                             "FROM articles JOIN captures USING (capture_id)", capsys)
    assert code == 0
    assert lines(out) == [{"n": 12, "nodes": 1}]


def test_sql_sees_the_control_state_as_ctl(team, capsys):
    code, out, _ = sql(team, "SELECT count(*) AS pending FROM ctl.frontier", capsys)
    assert (code, lines(out)) == (0, [{"pending": 0}])


@pytest.mark.parametrize("query", ["SELECT * FROM read_csv('/etc/passwd')",
                                   "DELETE FROM article_states"])
def test_the_sandbox_refuses_what_it_refuses_on_a_file(team, capsys, query):
    code, _, err = sql(team, query, capsys)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/nv-team-sql-escape.csv'",
    "INSERT INTO lake_batches VALUES ('x', 'x', 1, 'x', 0, 0, now())",
    "SET enable_external_access = true",
])
def test_the_locked_down_lake_session_reads_no_files_and_writes_nothing(team, tmp_path,
                                                                        statement):
    """The session wall alone (the text wall would refuse these first)."""
    import duckdb

    from pipeline.store.sandbox import lock_down

    settings = team_settings(team, tmp_path / "shared", "analyst")
    with Lake.open(settings, read_only=True, control=True) as lake:
        lock_down(lake.con)
        with pytest.raises(duckdb.Error):
            lake.con.execute(statement)
        assert lake.con.execute("SELECT count(*) FROM lake_batches").fetchone() == (1,)
    assert not Path("/tmp/nv-team-sql-escape.csv").exists()


def test_sql_on_an_empty_team_database_says_to_crawl_first(pg_url, tmp_path, workdir,
                                                          monkeypatch, capsys):
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(tmp_path / "shared"))
    code, _, err = sql(pg_url, "SELECT 1", capsys)
    assert code == 74
    assert "empty" in err and "newsvault crawl" in err


def test_the_readme_attach_works_in_a_plain_duckdb(team, tmp_path):
    import duckdb

    from pipeline.store.team.session import EXTENSIONS, _extension_file

    settings = team_settings(team, tmp_path / "shared", "analyst")
    con = duckdb.connect()
    for name, package in EXTENSIONS:
        con.execute(f"LOAD '{_extension_file(name, package)}'")
    con.execute(attach_sql(settings, read_only=True))
    assert con.execute("SELECT count(*) FROM nv.articles").fetchone() == (12,)
