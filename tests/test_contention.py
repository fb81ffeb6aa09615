"""Other processes holding the DuckDB file: the crawl waits, spools, and merges later;
overlapping runs and stale locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main
from tests.db import rows
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import TestServer

pytestmark = pytest.mark.slow  # processes holding the file, crawls waiting on them

ROOT = Path(__file__).resolve().parent.parent


class Holder:
    """Another process holding news.duckdb (read-only: an analyst's session)."""

    def __init__(self, read_only: bool = True) -> None:
        script = (f"import duckdb, time; con = duckdb.connect('news.duckdb', "
                  f"read_only={read_only}); print('ready', flush=True); time.sleep(60)")
        self.proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def release(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def crawl(config: Path, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q", *args])


def article_fetches(server: TestServer) -> list[str]:
    return [s.path for s in server.seen if "/article/" in s.path]


@pytest.fixture
def first_run(config: Path, kr: Fake36Kr, ne: FakeNetEase) -> Path:
    ne.publish("tech", 2)
    assert crawl(config, "--site", "netease") == 0
    return config


def test_a_reader_holding_the_file_makes_the_crawl_spool_then_merge(first_run, ne, server,
                                                                     capsys):
    ne.publish("tech", 3)
    holder = Holder(read_only=True)
    try:
        capsys.readouterr()
        assert crawl(first_run, "--site", "netease") == 0
        assert "the warehouse was busy: work kept in" in capsys.readouterr().out
        assert rows("SELECT count(*) FROM articles") == [(2,)]  # not written yet
        assert len(list(Path("spool").glob("*.json"))) >= 3
        assert main(["--warehouse", "news.duckdb", "status", "--json"]) == 0
        (spool,) = json.loads(capsys.readouterr().out)["spool"]
        assert spool["articles"] == 3 and spool["runs"] == 1
        assert crawl(first_run, "--site", "netease") == 0  # still busy: nothing fetched twice
    finally:
        holder.release()
    assert crawl(first_run, "--site", "netease") == 0
    assert rows("SELECT count(*), count(DISTINCT article_id) FROM articles") == [(5, 5)]
    assert len(article_fetches(server)) == len(set(article_fetches(server))) == 5
    assert list(Path("spool").glob("*.json")) == []
    outcomes = [r[0] for r in rows("SELECT outcome FROM runs ORDER BY run_id")]
    assert outcomes == ["ok"] * 4
    assert rows("SELECT count(*) FROM spool_merged")[0][0] >= 3


def test_a_merge_killed_midway_is_finished_exactly_once(first_run, ne):
    ne.publish("tech", 3)
    holder = Holder(read_only=True)
    try:
        assert crawl(first_run, "--site", "netease") == 0
    finally:
        holder.release()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSVAULT_FAULT": "commit:2"}
    done = subprocess.run([sys.executable, "-m", "pipeline", "--config", str(first_run),
                           "--warehouse", "news.duckdb", "crawl", "-q", "--site", "netease"],
                          env=env, capture_output=True, check=False)
    assert done.returncode == -signal.SIGKILL
    assert crawl(first_run, "--site", "netease") == 0
    assert rows("SELECT count(*), count(DISTINCT article_id) FROM articles") == [(5, 5)]
    assert rows("SELECT count(*), count(DISTINCT capture_id) FROM captures")[0][0] == rows(
        "SELECT count(*), count(DISTINCT capture_id) FROM captures")[0][1]
    assert list(Path("spool").glob("*.json")) == []


def test_a_writer_holding_the_file_makes_the_crawl_exit_75(first_run, capsys):
    holder = Holder(read_only=False)
    try:
        capsys.readouterr()
        assert crawl(first_run) == 75
        err = capsys.readouterr().err
        assert "is in use by" in err and "another process writes it" in err
    finally:
        holder.release()


def test_sql_waits_for_a_busy_warehouse_then_says_so(first_run, capsys):
    holder = Holder(read_only=False)
    try:
        capsys.readouterr()
        Path("wait.toml").write_text("[warehouse]\nlock_wait = 0.5\n")
        assert main(["--config", "wait.toml", "--warehouse", "news.duckdb", "sql",
                     "SELECT 1"]) == 75
        assert "try again when it is free" in capsys.readouterr().err
    finally:
        holder.release()


def test_a_stale_lock_of_a_dead_process_is_taken_over(first_run, ne):
    Path("news.duckdb.lock").write_text(json.dumps({"pid": 999999, "host": "gone",
                                                    "command": "crawl"}))
    ne.publish("tech", 1)
    assert crawl(first_run, "--site", "netease") == 0
    assert rows("SELECT count(*) FROM articles") == [(3,)]


def test_status_check_passes_after_a_good_crawl(first_run, capsys):
    assert crawl(first_run) == 0  # both sites
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status", "--check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("ok") for line in lines)


def test_status_check_fails_on_silence_and_blocks(first_run, capsys):
    assert crawl(first_run) == 0
    con = duckdb.connect("news.duckdb")
    con.execute("UPDATE runs SET started_at = started_at - INTERVAL 10 HOUR")
    con.execute("UPDATE run_sites SET block_rate = 0.5 WHERE site = 'netease'")
    con.close()
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status", "--check", "--json"]) == 1
    failed = {(c["site"], c["name"]) for c in json.loads(capsys.readouterr().out)
              if not c["ok"]}
    assert failed == {("36kr", "last successful crawl"), ("netease", "last successful crawl"),
                      ("netease", "block rate")}
