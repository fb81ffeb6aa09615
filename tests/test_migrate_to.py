"""`newsvault migrate-to`: a crawled DuckDB file archive moved into team mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

from pipeline.cli.main import main
from pipeline.store.team.lake import Lake
from tests.fakesites import FakeNetEase
from tests.lake import team_settings


@pytest.fixture
def shared(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = workdir / "shared"
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(path))
    return path


@pytest.fixture
def archive(config: Path, ne: FakeNetEase, workdir: Path, capsys) -> Path:
    """A file archive of 12 crawled NetEase articles."""
    ne.publish("tech", 12)
    path = workdir / "news.duckdb"
    assert main(["--config", str(config), "--warehouse", str(path), "crawl", "--site",
                 "netease", "-q"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return path


def migrate(config: Path, archive: Path, pg_url: str) -> int:
    return main(["--config", str(config), "--warehouse", str(archive), "-q", "migrate-to",
                 pg_url])


def file_rows(archive: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(archive), read_only=True) as con:
        return con.execute(sql).fetchall()


def lake_rows(pg_url: str, shared: Path, sql: str) -> list[tuple]:
    with Lake.open(team_settings(pg_url, shared, "reader"), read_only=True) as lake:
        return lake.con.execute(sql).fetchall()


COUNTS = ["SELECT count(*) FROM captures", "SELECT count(*) FROM articles",
          "SELECT count(*) FROM term_rows", "SELECT count(*) FROM term_docs",
          "SELECT sum(articles) FROM term_days"]
CONTROL = ["frontier", "runs", "run_sites", "list_items", "term_ids"]


def test_a_migrated_archive_has_the_files_rows(config, archive, pg_url, shared, capsys):
    assert migrate(config, archive, pg_url) == 0, capsys.readouterr().err
    for sql in COUNTS:
        assert lake_rows(pg_url, shared, sql) == file_rows(archive, sql), sql
        assert file_rows(archive, sql)[0][0] > 0, sql
    with psycopg.connect(pg_url) as con:
        for table in CONTROL:
            assert (con.execute(f"SELECT count(*) FROM nv_ctl.{table}").fetchone()[0]
                    == file_rows(archive, f"SELECT count(*) FROM {table}")[0][0]), table
        (next_run,) = con.execute("SELECT nextval('nv_ctl.run_ids')").fetchone()
    assert next_run > file_rows(archive, "SELECT max(run_id) FROM runs")[0][0]


def test_newsvault_sql_on_team_mode_sees_the_same_articles(config, archive, pg_url, shared,
                                                          capsys):
    assert migrate(config, archive, pg_url) == 0
    capsys.readouterr()
    query = "SELECT article_id, title, content_hash FROM articles ORDER BY 1"
    assert main(["--warehouse", pg_url, "sql", query, "--csv"]) == 0
    team = capsys.readouterr().out
    assert main(["--warehouse", str(archive), "sql", query, "--csv"]) == 0
    assert team == capsys.readouterr().out
    assert team.count("\n") == 13  # the header and 12 articles


def test_a_rerun_adds_nothing(config, archive, pg_url, shared, capsys):
    assert migrate(config, archive, pg_url) == 0
    capsys.readouterr()
    assert migrate(config, archive, pg_url) == 0
    assert "0 rows added" in capsys.readouterr().out
    for sql in COUNTS:
        assert lake_rows(pg_url, shared, sql) == file_rows(archive, sql), sql


def test_the_warc_files_are_readable_by_any_node(config, archive, pg_url, shared, capsys):
    assert migrate(config, archive, pg_url) == 0
    assert sorted(p.name for p in (shared / "warc").glob("*.warc.gz")) == sorted(
        p.name for p in (archive.parent / "warc").glob("*.warc.gz"))
    capsys.readouterr()
    assert main(["--config", str(config), "--warehouse", pg_url, "--node", "other",
                 "reextract", "--all", "-q"]) == 0, capsys.readouterr().err
    assert "12 re-extracted, 0 failed" in capsys.readouterr().out


def test_a_target_holding_another_archive_is_refused(config, archive, pg_url, shared,
                                                     workdir, capsys):
    assert migrate(config, archive, pg_url) == 0
    other = workdir / "other.duckdb"
    assert main(["--config", str(config), "--warehouse", str(other), "crawl", "--site",
                 "netease", "-q"]) == 0
    capsys.readouterr()
    assert migrate(config, other, pg_url) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("target, message", [
    ("/tmp/not-a-uri.duckdb", "migrate-to"),
    ("postgresql://nobody@/nv?host=/nonexistent-socket-dir", "cannot connect"),
])
def test_a_bad_target_is_one_line(config, archive, shared, target, message, capsys):
    code = migrate(config, archive, target)
    err = capsys.readouterr().err
    assert code in (2, 74) and message in err and len(err.strip().splitlines()) == 1


def test_a_file_in_use_by_a_crawl_is_busy(config, archive, pg_url, shared, capsys):
    code = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(archive)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert migrate(config, archive, pg_url) == 75
        assert "in use" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.communicate()


def test_a_team_crawl_goes_on_from_the_migrated_archive(config, archive, pg_url, shared,
                                                         ne: FakeNetEase, capsys):
    assert migrate(config, archive, pg_url) == 0
    ne.publish("tech", 5)
    assert main(["--config", str(config), "--warehouse", pg_url, "--node", "n1", "crawl",
                 "--site", "netease", "-q"]) == 0, capsys.readouterr().err
    assert lake_rows(pg_url, shared, "SELECT count(*), count(DISTINCT article_id) FROM "
                                     "articles") == [(17, 17)]
    assert lake_rows(pg_url, shared, "SELECT count(*) - count(DISTINCT capture_id) "
                                     "FROM captures") == [(0,)]
    capsys.readouterr()
    assert migrate(config, archive, pg_url) == 0  # still this archive's migration
    assert "0 rows added" in capsys.readouterr().out


def test_a_target_a_team_crawled_first_is_refused(config, archive, pg_url, shared, capsys):
    assert main(["--config", str(config), "--warehouse", pg_url, "--node", "n1", "crawl",
                 "--site", "netease", "-q"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert migrate(config, archive, pg_url) == 2
    assert "not empty" in capsys.readouterr().err
