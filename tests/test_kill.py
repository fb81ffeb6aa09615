"""A crawl killed at any point loses nothing committed and doubles nothing on re-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.archive.reader import record_complete
from pipeline.cli import main
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import TestServer

ROOT = Path(__file__).resolve().parent.parent


def article_requests(server: TestServer) -> int:
    return sum(1 for s in server.seen if "/article/" in s.path)


@pytest.mark.parametrize("kill_after", [1, 6, 12])
def test_sigkill_mid_crawl_then_rerun(config: Path, kr: Fake36Kr, ne: FakeNetEase,
                                      server: TestServer, kill_after: int):
    ne.publish("tech", 15)
    for story in ne.stories["tech"]:  # slow article pages keep the run busy
        path = f"/tech/article/{story.id}.html"
        reply = ne.article_reply(story)
        reply.mode, reply.delay = "slow", 0.05
        server.route("www.163.com", path, reply)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(config),
                             "--warehouse", "news.duckdb", "crawl", "--site", "netease", "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while article_requests(server) < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline, "the crawl never reached the kill point"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert_captures_point_at_whole_records()

    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl",
                 "--site", "netease", "-q"]) == 0
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]
        assert sorted(ids) == sorted(f"163:{s.id}" for s in ne.stories["tech"])
        left = con.execute("SELECT count(*) FROM frontier WHERE state <> 'done'").fetchone()
        assert left == (0,)
        runs = con.execute("SELECT outcome FROM runs ORDER BY run_id").fetchall()
        outcomes = [r[0] for r in runs]
        assert outcomes == ["interrupted", "ok"]
    finally:
        con.close()
    files = sorted(str(p) for p in Path("warc").glob("*.warc.gz"))
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *files],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert list(Path("warc").glob("*.open")) == []


def assert_captures_point_at_whole_records() -> None:
    """Right after the kill: every committed capture's record is on disk and whole."""
    if not Path("news.duckdb").exists():
        return
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        refs = con.execute("SELECT warc_file, warc_offset, warc_length FROM captures "
                           "WHERE warc_file IS NOT NULL").fetchall()
    finally:
        con.close()
    for name, offset, length in refs:
        assert record_complete(Path("warc") / name, offset, length), (name, offset)
