"""Team mode's shared politeness and advisory locks, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from pipeline.core.errors import LockHeld
from pipeline.fetch.polite import HostGate
from pipeline.store.team import schema
from pipeline.store.team.connect import connect
from pipeline.store.team.pacer import SharedPacer
from tests.server import Reply
from tests.team import Nodes, processes_at_once

SITE = "www.example-news.cn"
TOLERANCE = 0.001  # asyncio may wake a timer up to one clock tick early (see test_fetch)


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def test_two_processes_share_one_hosts_interval(pg_url, server):
    """Each process alone would send a request per interval; together they must too."""
    n, interval = 6, 0.15
    for i in range(2 * n):
        server.route(SITE, f"/p/{i}", Reply(200, "x"))
    with connect(pg_url, autocommit=True) as con:
        schema.ensure(con)
    urls = [[f"https://{SITE}/p/{i}" for i in range(k * n, (k + 1) * n)] for k in range(2)]
    began = time.monotonic()  # the server stamps arrivals with the same clock
    results = processes_at_once(
        *(["pace", pg_url, server.connect_to(), str(interval), *u] for u in urls))
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    assert all(json.loads(out.splitlines()[-1]) == [200] * n for _, out, _ in results)
    arrivals = sorted(s.at for s in server.requests(SITE) if s.path.startswith("/p/"))
    assert len(arrivals) == 2 * n
    for k, at in enumerate(arrivals):  # the k-th request of both waits k intervals at least
        assert at - began >= k * interval - TOLERANCE, (k, at - began)


def test_a_hold_off_from_one_node_delays_the_others(pg_url, node):
    node("a", run=False)  # creates the schema
    first, second = SharedPacer(pg_url), SharedPacer(pg_url)

    async def go() -> float:
        # timed from before the hold-off is booked: its window starts at the server's
        # clock during that call, so a slow round trip cannot shorten what is measured
        began = time.monotonic()
        await first.hold_off("site:163", 0.5)
        gate = HostGate(0.0, 1, pacer=second, key="site:163")
        async with gate:
            return time.monotonic() - began

    try:
        assert asyncio.run(go()) >= 0.5 - 0.05  # the server's clock, give or take a tick
    finally:
        first.close()
        second.close()


def test_maintenance_waits_for_crawls_to_finish(node):
    crawler, other, upkeep = node("a", run=False), node("b", run=False), node("m", run=False)
    with crawler.crawling(), other.crawling(), pytest.raises(  # crawls share the lock
            LockHeld, match="maintenance cannot run now"), upkeep.maintenance():
        pass
    with upkeep.maintenance(), pytest.raises(LockHeld, match="maintenance is running"), \
            crawler.crawling():
        pass


def test_one_node_at_a_time_pages_a_sites_lists(node):
    a, b = node("a", run=False), node("b", run=False)
    with a.discovery("163") as mine, b.discovery("163") as theirs, \
            b.discovery("36kr") as other_site:
        assert (mine, theirs, other_site) == (True, False, True)
    with b.discovery("163") as now_theirs:
        assert now_theirs


def test_a_dead_sessions_locks_are_let_go(node):
    crawler, upkeep = node("a", run=False), node("m", run=False)
    lock = crawler.crawling()
    lock.__enter__()
    pid = crawler.con.info.backend_pid
    crawler.close()  # as a killed process's connection would
    for _ in range(100):  # the server notices the hang-up on its own time
        gone = upkeep.con.execute("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity "
                                  "WHERE pid = %s)", [pid]).fetchone()[0]
        if gone:
            break
        time.sleep(0.02)
    with upkeep.maintenance():
        pass
