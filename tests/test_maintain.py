"""`newsvault maintain` (issue 16 point 6): the lake compacted under the exclusive
maintenance lock, exact beside a writer; a DuckDB file is checkpointed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.core.errors import LockHeld
from pipeline.store.maintain import maintain
from pipeline.store.team.lake import Lake
from pipeline.store.team.session import MAINTENANCE_LOCK, advisory
from tests.lake import batch, team_settings

DAY = dt.date(2026, 11, 2)


@pytest.fixture
def settings(pg_url: str, tmp_path: Path):
    return team_settings(pg_url, tmp_path / "shared", "node-a")


def fill(lake: Lake, batches: int = 12) -> None:
    """Many small batches (many small files; past DuckLake's inlining limit of 10 rows),
    an edited story (inlined in the catalog), term-count deltas."""
    for run in range(1, batches + 1):
        lake.write_archive(batch(range(run * 10, run * 10 + 15), run_id=run), run_id=run)
    lake.write_archive(batch(range(10, 11), run_id=99, body="改过"), run_id=99)
    with lake.transaction():
        lake.con.executemany(
            "INSERT INTO term_days VALUES (?, 'netease', ?, ?, ?, ?, ?)",
            [[term, DAY + dt.timedelta(days=term % 3), 1, 2, term % 2, False]
             for term in range(40) for _ in range(3)]
            + [[7, DAY + dt.timedelta(days=1), -1, -2, 0, False]])  # a re-indexed article


def snapshot(lake: Lake) -> dict[str, list[tuple]]:
    return {
        "articles": lake.con.execute("SELECT article_id, body, capture_id, first_seen_at "
                                     "FROM articles ORDER BY 1").fetchall(),
        "captures": lake.con.execute("SELECT count(*), count(DISTINCT capture_id) "
                                     "FROM captures").fetchall(),
        "versions": lake.con.execute("SELECT article_id, body FROM article_versions").fetchall(),
        "term_days": lake.con.execute(
            "SELECT term_id, site, day, sum(articles), sum(mentions), sum(title_articles) "
            "FROM term_days GROUP BY ALL ORDER BY ALL").fetchall(),
    }


@pytest.mark.pg
def test_maintenance_compacts_files_and_counts_and_changes_no_answer(settings):
    with Lake.open(settings) as lake:
        fill(lake)
        before = snapshot(lake)
    report = maintain(settings, older_than=0)
    assert [s.name for s in report.steps] == [
        "compact term counts", "drop superseded rows", "flush inlined rows",
        "rewrite files with deletes", "merge small files", "expire snapshots",
        "clean up old files", "delete orphaned files"]
    assert report.after.data < report.before.data
    assert report.after.on_disk < report.before.on_disk
    assert report.after.snapshots < report.before.snapshots
    with Lake.open(settings) as lake:
        assert snapshot(lake) == before
        assert lake.con.execute("SELECT count(*) FROM article_states").fetchone() == (
            len(before["articles"]),)  # the superseded states are gone, no answer changed
        assert lake.con.execute("SELECT count(*), bool_and(compacted), "
                                "count(DISTINCT (term_id, site, day)) FROM term_days"
                                ).fetchone() == (40, True, 40)


@pytest.mark.pg
def test_maintenance_waits_for_a_batch_commit_then_gives_up_with_lock_held(settings):
    with Lake.open(settings) as lake:
        assert lake.pg is not None
        with advisory(lake.pg, MAINTENANCE_LOCK, shared=True):  # a commit in flight
            started = time.monotonic()
            with pytest.raises(LockHeld, match="maintenance lock is held"):
                maintain(settings, wait=0.5)
            assert time.monotonic() - started >= 0.5


@pytest.mark.pg
def test_maintenance_beside_a_writing_node_loses_and_doubles_nothing(pg_url, tmp_path,
                                                                   settings):
    with Lake.open(settings) as lake:
        fill(lake, batches=4)
    writer_settings = team_settings(pg_url, tmp_path / "shared", "node-b")
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with Lake.open(writer_settings) as writer:
                for run in range(200, 215):
                    writer.write_archive(batch(range(run * 10, run * 10 + 5), run_id=run),
                                         run_id=run)
        except BaseException as exc:  # handed to the test
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=write)
    thread.start()
    rounds = 0
    while not done.is_set() or rounds == 0:
        maintain(settings, older_than=0, wait=30)
        rounds += 1
    thread.join(60)
    assert errors == []
    assert rounds >= 2  # maintenance ran while the other node was writing
    with Lake.open(settings) as lake:
        assert lake.con.execute("SELECT count(*), count(DISTINCT capture_id) FROM captures "
                                "WHERE node = 'node-b'").fetchone() == (75, 75)
        assert lake.con.execute("SELECT count(*) FROM lake_batches WHERE node = 'node-b'"
                                ).fetchone() == (15,)
        assert lake.con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles"
                                ).fetchone() == (45 + 75, 45 + 75)


@pytest.mark.pg
def test_maintain_on_team_mode_from_the_command_line(pg_url, tmp_path, settings, capsys,
                                                     monkeypatch):
    with Lake.open(settings) as lake:
        fill(lake, batches=2)
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(tmp_path / "shared"))
    assert main(["--warehouse", pg_url, "--node", "cron", "maintain", "--older-than", "0"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("maintain: ") and " -> " in line and "data files" in line


def test_maintain_on_a_duckdb_file_checkpoints_it(workdir, capsys):
    assert main(["--warehouse", "news.duckdb", "maintain"]) == 0
    assert "checkpointed" in capsys.readouterr().out
    assert Path("news.duckdb").exists()


@pytest.mark.parametrize("option", ["--older-than", "--wait"])
def test_a_negative_duration_exits_2(workdir, capsys, option):
    assert main(["--warehouse", "news.duckdb", "maintain", option, "-1"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.pg
def test_a_node_killed_inside_a_commit_leaves_no_partial_batch_and_no_lock(pg_url, tmp_path,
                                                                          settings):
    """SIGKILL at the third batch's commit: two batches landed, the third not at all; its
    session's shared lock died with it, so maintenance runs, and removes what the dead
    transaction had written."""
    import os
    import signal
    import subprocess
    import sys

    Lake.open(settings).close()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "lakeproc.py"), pg_url,
         str(tmp_path / "shared"), "doomed", "5", "4"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NEWSVAULT_FAULT": "commit:3"})
    assert proc.stdout.readline().strip() == "ready"
    proc.communicate("go\n", timeout=120)
    assert proc.returncode == -signal.SIGKILL
    report = maintain(settings, older_than=0, wait=10)
    with Lake.open(settings) as lake:
        assert lake.con.execute("SELECT count(*), count(DISTINCT batch_id) FROM captures"
                                ).fetchone() == (20, 2)
        assert lake.con.execute("SELECT count(*) FROM lake_batches").fetchone() == (2,)
    assert report.after.on_disk == report.after.data + report.after.deletes  # no orphans


@pytest.mark.parametrize("command", [["status"], ["coverage"], ["trend", "智谱"],
                                     ["search", "智谱"]])
def test_a_reader_of_an_unreachable_team_database_exits_74_and_makes_no_duckdb_file(
        workdir, capsys, monkeypatch, command):
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(workdir / "shared"))
    code = main(["--warehouse", "postgresql://nv:s3cret@localhost:1/news", *command])
    err = capsys.readouterr().err
    assert code == 74, err
    assert "team warehouse" in err and err.count("\n") == 1
    assert "s3cret" not in err  # DuckDB's message quotes the URI: its password masked
    assert not list(workdir.rglob("*news*"))
