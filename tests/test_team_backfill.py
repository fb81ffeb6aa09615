"""`newsvault backfill` in team mode: nodes share the archives' index queries and records.

The synthetic Wayback and Common Crawl archives of tests/test_backfill.py, one PostgreSQL
and DuckLake; the server counts every request, so a record read twice shows.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from pipeline.cli.main import main
from pipeline.store.team.lake import Lake
from tests.fakearchives import FakeCommonCrawl, FakeWayback
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.lake import team_settings
from tests.server import TestServer
from tests.test_backfill import SETTINGS, World, build, record_reads, window

pytestmark = pytest.mark.slow  # each test backfills a world of captures on the lake
TEAM = "\n[team]\nlease_ttl = 3.0\nheartbeat = 0.5\n"
CODE = "import sys; from pipeline.cli.main import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def world(server: TestServer) -> World:
    wb, cc = FakeWayback(), FakeCommonCrawl()
    wb.install(server)
    cc.install(server)
    return build(Fake36Kr(), FakeNetEase(), wb, cc)


@pytest.fixture
def tconfig(config: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(workdir / "shared"))
    config.write_text(config.read_text() + SETTINGS + TEAM, encoding="utf-8")
    return config


def argv(config: Path, pg_url: str, node: str) -> list[str]:
    return ["--config", str(config), "--warehouse", pg_url, "--node", node, "backfill",
            "-q", *window()]


def start(config: Path, pg_url: str, node: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CODE, *argv(config, pg_url, node)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def lake(pg_url: str, workdir: Path, sql: str) -> list[tuple]:
    with Lake.open(team_settings(pg_url, workdir / "shared", "reader"),
                   read_only=True) as reader:
        return reader.con.execute(sql).fetchall()


def ctl(pg_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(pg_url) as con:
        return con.execute(sql).fetchall()


def slow(server: TestServer, seconds: float, index: bool = True) -> None:
    """Archived records (and with `index`, index pages) answer after `seconds`."""
    def wait(seen):
        record = (seen.host == "web.archive.org" and "id_/" in seen.path) or \
            seen.host == "data.commoncrawl.org"
        if record or (index and seen.host in ("web.archive.org", "index.commoncrawl.org")):
            time.sleep(seconds)
    server.fallbacks.insert(0, wait)


def records(server: TestServer) -> Counter[str]:
    """Archived records read: a Wayback replay, or a Common Crawl file's byte range."""
    paths = set(record_reads(server))
    return Counter(f"{s.path} {s.headers.get('range', s.headers.get('Range', ''))}"
                   for s in server.seen if s.path in paths)


def index_pages(server: TestServer) -> Counter[str]:
    return Counter(s.path for s in server.seen
                   if "/cdx/" in s.path or ("-index?" in s.path and "showNumPages" not in s.path))


def stored_once(pg_url: str, workdir: Path, world: World) -> set[str]:
    rows = lake(pg_url, workdir, "SELECT article_id, count(*) FROM nv.article_states "
                                 "GROUP BY 1")
    assert [r for r in rows if r[1] > 1] == []  # every article stored once
    return {r[0] for r in rows}


def test_one_node_backfills_the_team_archive_as_a_file_would(tconfig, pg_url, world,
                                                             workdir, capsys):
    assert main(argv(tconfig, pg_url, "n1")) == 0, capsys.readouterr().err
    stored = stored_once(pg_url, workdir, world)
    assert len(set(world.held) & stored) >= 0.99 * len(world.held)
    assert set(world.via_list) | set(world.flashes) <= stored  # lists and look-ups too
    assert ctl(pg_url, "SELECT node, outcome, exit_code FROM nv_ctl.runs") == [("n1", "ok", 0)]
    assert ctl(pg_url, "SELECT count(*) FROM nv_ctl.backfill_work WHERE lease_run IS NOT NULL "
                       "UNION ALL SELECT count(*) FROM nv_ctl.backfill_cursor "
                       "WHERE lease_run IS NOT NULL") == [(0,), (0,)]  # all let go


def test_a_second_team_run_reads_no_record_again(tconfig, pg_url, world, server, capsys):
    assert main(argv(tconfig, pg_url, "n1")) == 0, capsys.readouterr().err
    server.clear()
    assert main(argv(tconfig, pg_url, "n2")) == 0, capsys.readouterr().err
    assert record_reads(server) == []
    assert index_pages(server) == Counter()


def test_two_nodes_at_once_read_every_record_exactly_once(tconfig, pg_url, world, server,
                                                          workdir):
    slow(server, 0.03)
    slow(server, 0.07, index=False)  # records 0.1 s: the article phases overlap
    procs = [start(tconfig, pg_url, node, workdir) for node in ("n1", "n2")]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    reads = records(server)
    assert reads and set(reads.values()) == {1}, [p for p, n in reads.items() if n > 1]
    pages = index_pages(server)
    assert pages and set(pages.values()) == {1}, [p for p, n in pages.items() if n > 1]
    stored = stored_once(pg_url, workdir, world)
    assert len(set(world.held) & stored) >= 0.99 * len(world.held)
    assert sorted(ctl(pg_url, "SELECT node, outcome, exit_code FROM nv_ctl.runs")) == [
        ("n1", "ok", 0), ("n2", "ok", 0)]
    # Which node stores how many depends on when each process gets going (one may start
    # after the other has claimed the rest): the split is not asserted here;
    # test_team_bfwork shows two claimers at once get disjoint shares.


def victims_leases(pg_url: str) -> int:
    if ctl(pg_url, "SELECT to_regclass('nv_ctl.backfill_work')") == [(None,)]:
        return 0
    return ctl(pg_url, "SELECT count(*) FROM nv_ctl.backfill_work w JOIN nv_ctl.runs r "
                       "ON r.run_id = w.lease_run WHERE r.node = 'victim' "
                       "AND w.kind = 'article'")[0][0]


def test_a_killed_nodes_leased_records_are_read_by_another_run_after_the_lapse(
        tconfig, pg_url, world, server, workdir, capsys):
    slow(server, 0.3, index=False)
    victim = start(tconfig, pg_url, "victim", workdir)
    deadline = time.monotonic() + 120
    while not victims_leases(pg_url):
        assert time.monotonic() < deadline and victim.poll() is None
        time.sleep(0.05)
    victim.kill()  # kill -9 while it holds leased articles
    victim.communicate()
    held = ctl(pg_url, "SELECT key FROM nv_ctl.backfill_work WHERE kind = 'article' "
                       "AND lease_run IS NOT NULL")
    assert held
    server.fallbacks.pop(0)  # the survivor at full speed
    assert main(argv(tconfig, pg_url, "survivor")) == 0, capsys.readouterr().err
    # the victim's connection closed with it, so its liveness lock is free: the survivor
    # finds the run dead at once (no waiting out lease_ttl) and takes its leased records
    assert ctl(pg_url, "SELECT outcome FROM nv_ctl.runs WHERE node = 'victim'") == [
        ("interrupted",)]
    stored = stored_once(pg_url, workdir, world)
    assert {k for (k,) in held} <= stored | {a for a, why in world.refused.items()}
    assert len(set(world.held) & stored) >= 0.99 * len(world.held)
    assert ctl(pg_url, "SELECT outcome FROM nv_ctl.runs WHERE node = 'survivor'") == [("ok",)]


def test_two_nodes_keep_the_archives_pace_together(tconfig, pg_url, server, workdir):
    """wayback_interval is the pace of all nodes together (nv_ctl.hosts), not of each."""
    wb = FakeWayback()
    wb.install(server)
    kr = Fake36Kr()
    world = World(kr, FakeNetEase(), wb, FakeCommonCrawl())
    for story in kr.publish(articles=16):
        wb.add(world.kr_capture(story, 1))
    tconfig.write_text(tconfig.read_text().replace("wayback_interval = 0.0",
                                                   "wayback_interval = 0.15"))
    Lake.open(team_settings(pg_url, workdir / "shared", "setup")).close()  # both go at once
    procs = [subprocess.Popen(
        [sys.executable, "-c", CODE, *argv(tconfig, pg_url, node), "--from", "wayback",
         "--site", "36kr"], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for node in ("n1", "n2")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    times = sorted(s.at for s in server.seen if s.host == "web.archive.org"
                   and s.path != "/robots.txt")
    assert len(times) >= 16
    # any j-i requests span (j-i) intervals, less three: a request held up after its
    # slot (a loaded machine) arrives late and squeezes the gaps around it, not the pace;
    # two nodes each paced alone send twice as many in a span
    short = [(i, j, round(times[j] - times[i], 2)) for i, j in
             itertools.combinations(range(len(times)), 2)
             if times[j] - times[i] < (j - i - 3) * 0.15]
    assert short == [], short[:5]


def test_a_team_crawl_fills_refused_pages_from_the_archives(tconfig, pg_url, server, kr,
                                                            workdir, capsys):
    """backfill --refused in team mode: what the sites refused is read off the lake
    (feed-only articles) and the frontier (blocked items), then looked up."""
    from tests.server import Reply
    from tests.test_backfill import CHALLENGE

    wb, cc = FakeWayback(), FakeCommonCrawl()
    wb.install(server)
    cc.install(server)
    world = World(kr, FakeNetEase(), wb, cc)
    refused, fine = kr.publish(articles=2)
    for host in ("36kr.com", "www.36kr.com"):
        for path in (f"/p/{refused.id}", f"/p/{refused.id}?f=rss"):
            server.route(host, path, Reply(200, CHALLENGE))
    wb.add(world.kr_capture(refused, 1))
    tconfig.write_text(tconfig.read_text().replace("concurrency = 2\n",
                                                   "concurrency = 2\non_refusal = true\n"))
    main(["--config", str(tconfig), "--warehouse", pg_url, "--node", "n1", "crawl", "-q",
          "--site", "36kr"])
    got = {aid: (status, purpose) for aid, status, purpose in lake(
        pg_url, workdir, "SELECT a.article_id, a.status, c.purpose FROM nv.articles a "
                         "JOIN nv.captures c USING (capture_id) WHERE a.kind = 'article'")}
    assert got[f"36kr:{refused.id}"] == ("ok", "backfill"), capsys.readouterr().err
    assert got[f"36kr:{fine.id}"][1] != "backfill"  # the archive has no capture of it
    assert ctl(pg_url, "SELECT command, outcome FROM nv_ctl.runs ORDER BY run_id") == [
        ("crawl", "ok"), ("backfill", "ok")]
