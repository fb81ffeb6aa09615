"""A crawl killed at any point loses nothing committed, doubles nothing, leaves no row
pointing at a torn record, and the next run finishes the work."""

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
from pipeline.cli.main import main
from tests.clirun import process_configs
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import TestServer

pytestmark = pytest.mark.slow  # each test kills and re-runs a crawl process

ROOT = Path(__file__).resolve().parent.parent
WARCIO = str(Path(sys.executable).parent / "warcio")

# (checkpoint, pass): see pipeline/core/faults.py. Together they kill the crawl during list
# commits, fetches, archive writes (leaving a torn record), extraction and warehouse
# transactions, early and late in the run.
KILL_POINTS = [("list", 1), ("list", 4), ("fetched", 2), ("fetched", 12), ("archive", 3),
               ("archive", 15), ("archive-request", 9), ("extract", 1), ("extract", 6),
               ("commit", 2), ("commit", 5), ("commit", 9)]


@pytest.fixture
def sites(kr: Fake36Kr, ne: FakeNetEase) -> tuple[Fake36Kr, FakeNetEase]:
    kr.publish(articles=4, flashes=5)
    ne.publish("tech", 6)
    ne.publish("money", 2, template="2016")
    return kr, ne


def crawl_process(config: Path, fault: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEWSVAULT_FAULT", None)
    if fault:
        env["NEWSVAULT_FAULT"] = fault
    return subprocess.Popen([sys.executable, "-m", "pipeline", *process_configs(config),
                             "--warehouse", "news.duckdb", "crawl", "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def expected_ids(kr: Fake36Kr, ne: FakeNetEase) -> list[str]:
    ids = [f"36kr:{s.id}" for s in kr.articles + kr.flashes]
    ids += [f"163:{s.id}" for group in ne.stories.values() for s in group]
    return sorted(ids)


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


def assert_finished_cleanly(kr: Fake36Kr, ne: FakeNetEase) -> None:
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]
        assert sorted(ids) == expected_ids(kr, ne)  # nothing lost, nothing doubled
        left = con.execute("SELECT count(*) FROM frontier WHERE state <> 'done'").fetchone()
        assert left == (0,)
        runs = [r[0] for r in con.execute("SELECT outcome FROM runs ORDER BY run_id").fetchall()]
        assert runs[-1] == "ok" and set(runs[:-1]) <= {"interrupted"}
    finally:
        con.close()
    files = sorted(str(p) for p in Path("warc").glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *files], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert list(Path("warc").glob("*.open")) == []


@pytest.mark.parametrize("checkpoint,passes", KILL_POINTS,
                         ids=[f"{c}-{n}" for c, n in KILL_POINTS])
def test_killed_at_a_checkpoint_then_rerun(config, sites, checkpoint, passes):
    kr, ne = sites
    proc = crawl_process(config, f"{checkpoint}:{passes}")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert_captures_point_at_whole_records()
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert_finished_cleanly(kr, ne)


@pytest.mark.parametrize("kill_after", [1, 6])
def test_killed_from_outside_mid_fetch_then_rerun(config, sites, server: TestServer,
                                                  kill_after: int):
    kr, ne = sites
    for story in ne.stories["tech"]:  # slow article pages keep the run busy
        reply = ne.article_reply(story)
        reply.mode, reply.delay = "slow", 0.05
        server.route("www.163.com", f"/tech/article/{story.id}.html", reply)
    proc = crawl_process(config)
    deadline = time.monotonic() + 60
    while sum("/article/" in s.path for s in server.seen) < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline, "the crawl never reached the kill point"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert_captures_point_at_whole_records()
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert_finished_cleanly(kr, ne)
