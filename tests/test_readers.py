"""Readers are never locked out by a crawl: it holds the DuckDB file only while it
commits a batch, so `sql` and `status` answer at any moment of a run, on the data of the
last committed batch, and `status` shows the running crawl's progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli.main import main
from tests.fakesites import FakeNetEase
from tests.server import TestServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def slow_site(ne: FakeNetEase, server: TestServer) -> FakeNetEase:
    """Thirty article pages that each take 0.2 s, fetched one at a time: a crawl of
    at least six seconds."""
    for story in ne.publish("tech", 30):
        reply = ne.article_reply(story)
        reply.mode, reply.delay = "slow", 0.2
        server.route("www.163.com", f"/tech/article/{story.id}.html", reply)
    return ne


def start_crawl(config: Path) -> subprocess.Popen[str]:
    Path("serial.toml").write_text("[fetch]\nconcurrency_per_host = 1\n[crawl]\nbatch_size = 3\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEWSVAULT_FAULT", None)
    return subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(config),
                             "--config", "serial.toml", "--warehouse", "news.duckdb", "crawl",
                             "-q", "--site", "netease"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_fetching(server: TestServer, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any("/article/" in s.path for s in server.seen):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the crawl never started fetching"
        time.sleep(0.02)


def sql_count(config: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """`newsvault sql`, waiting at most 3 s for a commit window (warehouse.lock_wait)."""
    capsys.readouterr()
    Path("reader.toml").write_text("[warehouse]\nlock_wait = 3.0\n")
    code = main(["--config", "reader.toml", "--warehouse", "news.duckdb", "sql",
                 "SELECT count(*) FROM articles", "--csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return int(captured.out.splitlines()[1])


@pytest.mark.slow
def test_sql_answers_at_any_moment_of_a_crawl(config, slow_site, server, capsys):
    proc = start_crawl(config)
    wait_for_fetching(server, proc)
    counts = []
    while proc.poll() is None:
        counts.append(sql_count(config, capsys))
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert len(counts) >= 5
    assert counts == sorted(counts)  # each answer is a committed state, never going back
    assert len(set(counts)) >= 3  # the batches showed up as they were committed
    assert sql_count(config, capsys) == 30


@pytest.mark.slow
def test_status_shows_the_running_crawl_and_its_progress(config, slow_site, server, capsys):
    proc = start_crawl(config)
    wait_for_fetching(server, proc)
    seen = []
    while proc.poll() is None:
        capsys.readouterr()
        Path("reader.toml").write_text("[warehouse]\nlock_wait = 3.0\n")
        assert main(["--config", "reader.toml", "--warehouse", "news.duckdb", "status",
                     "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        if report["running"]:
            seen.append(report["running"][0]["progress"])
            assert report["runs"][0]["outcome"] == "running"
        time.sleep(0.2)
    proc.communicate()
    progress = [p for p in seen if p]
    assert progress and progress[-1].startswith("netease: ")
    assert "new" in progress[-1] and "fetched" in progress[-1]
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["running"] == [] and report["runs"][0]["outcome"] == "ok"
