"""Team mode end to end: crawls of the fake NetEase site on one PostgreSQL and DuckLake."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
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
    assert lake_rows(pg_url, shared, "SELECT count(DISTINCT article_id) FROM nv.term_docs"
                     ) == [(12,)]  # indexed as stored, with doc numbers from PostgreSQL


def crawl_processes(config: Path, pg_url: str, nodes: list[str], cwd: Path
                    ) -> list[subprocess.Popen[str]]:
    code = "import sys; from pipeline.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return [subprocess.Popen(
        [sys.executable, "-c", code, "--config", str(config), "--warehouse", pg_url,
         "--node", node, "crawl", "--site", "netease", "-q"],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for node in nodes]


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def slow_articles(server, seconds: float) -> None:
    """Article pages answer after `seconds`, so the crawls overlap."""
    def wait(seen):
        if "/article/" in seen.path:
            time.sleep(seconds)
    server.fallbacks.insert(0, wait)


def article_fetches(server) -> Counter[str]:
    return Counter(s.path for s in server.requests("www.163.com") if "/article/" in s.path)


@pytest.mark.slow
def test_three_nodes_crawling_at_once_fetch_every_article_exactly_once(
        config, server, ne: FakeNetEase, pg_url, shared, workdir):
    ne.publish("tech", 40)
    slow_articles(server, 0.02)
    procs = crawl_processes(config, pg_url, ["n1", "n2", "n3"], workdir)
    outs = [finish(p) for p in procs]
    assert [code for code, _, _ in outs] == [0, 0, 0], [err for _, _, err in outs]
    fetches = article_fetches(server)
    assert len(fetches) == 40 and set(fetches.values()) == {1}
    assert lake_rows(pg_url, shared, "SELECT count(*), count(DISTINCT article_id) "
                                     "FROM nv.articles") == [(40, 40)]
    assert lake_rows(pg_url, shared, "SELECT count(*) FROM nv.captures "
                                     "WHERE purpose = 'article'") == [(40,)]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT state, count(*) FROM nv_ctl.frontier GROUP BY state"
                           ).fetchall() == [("done", 40)]
        assert sorted(con.execute("SELECT node, outcome, exit_code FROM nv_ctl.runs")) == [
            ("n1", "ok", 0), ("n2", "ok", 0), ("n3", "ok", 0)]
        shares = [n for (n,) in con.execute("SELECT fetched FROM nv_ctl.run_sites")]
    assert sum(shares) == 40
    assert sum(1 for n in shares if n) >= 2, shares  # the backlog was shared


def wait_for(check, timeout: float = 60.0, every: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (found := check()):
            return found
        time.sleep(every)
    raise AssertionError("timed out waiting")


def left_over(pg_url: str) -> list[tuple]:
    with psycopg.connect(pg_url) as con:
        return con.execute("SELECT article_id, state, attempts, lease_owner, lease_until, "
                           "tried_run, leases, discovered_at, clock_timestamp() "
                           "FROM nv_ctl.frontier WHERE state <> 'done'").fetchall() + \
            con.execute("SELECT run_id, node, outcome, started_at, heartbeat_at, finished_at "
                        "FROM nv_ctl.runs").fetchall()


def leases_of(pg_url: str, node: str) -> int:
    with psycopg.connect(pg_url) as con:
        if con.execute("SELECT to_regclass('nv_ctl.frontier')").fetchone() == (None,):
            return 0  # not created yet
        row = con.execute("SELECT count(*) FROM nv_ctl.frontier f JOIN nv_ctl.runs r "
                          "ON f.lease_owner = r.run_id::text WHERE r.node = %s "
                          "AND f.state = 'leased'", [node]).fetchone()
    return row[0] if row else 0


def gated_articles(server) -> threading.Event:
    """Article pages answer only once the returned event is set (a minute at most)."""
    gate = threading.Event()

    def wait(seen):
        if "/article/" in seen.path:
            gate.wait(60)
    server.fallbacks.insert(0, wait)
    return gate


@pytest.mark.slow
def test_a_killed_nodes_leases_are_finished_by_another_node_without_waiting_them_out(
        config, server, ne: FakeNetEase, pg_url, shared, workdir):
    lease = 120.0  # never waited out here: the killed node's session ends with it
    with config.open("a", encoding="utf-8") as f:
        f.write(f"\n[team]\nlease_ttl = {lease}\nheartbeat = 0.5\n")
    ne.publish("tech", 30)
    gate = gated_articles(server)  # both nodes hold leases, fetching, when n1 dies:
    victim, survivor = crawl_processes(config, pg_url, ["n1", "n2"], workdir)
    wait_for(lambda: leases_of(pg_url, "n1") and leases_of(pg_url, "n2"))  # a chunk each
    victim.kill()  # kill -9, leases held
    killed = time.monotonic()
    finish(victim)
    gate.set()
    code, _, err = finish(survivor, timeout=lease / 2)
    assert code == 0, err
    assert time.monotonic() - killed < lease / 2  # the leases did not have to lapse
    fetches = article_fetches(server)
    assert len(fetches) == 30, (left_over(pg_url), err[-3000:])  # nothing lost
    assert lake_rows(pg_url, shared, "SELECT count(*), count(DISTINCT article_id) "
                                     "FROM nv.articles") == [(30, 30)]  # nothing doubled
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT state, count(*) FROM nv_ctl.frontier GROUP BY state"
                           ).fetchall() == [("done", 30)]
        assert sorted(con.execute("SELECT node, outcome FROM nv_ctl.runs")) == [
            ("n1", "interrupted"), ("n2", "ok")]
