"""The crawl's claims (pipeline.jobs.claims) against team mode's leases on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.jobs.claims import Claims
from tests.team import Nodes, at_once, links


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def claims(control, limit=1000, chunk=10) -> Claims:
    return Claims(control, "163", str(control.run_id), limit=limit, chunk=chunk,
                  lease_seconds=60)


def drain(c: Claims) -> list[str]:
    async def go() -> list[str]:
        out = []
        while (item := await c.next()) is not None:
            out.append(item["article_id"])
        return out
    return asyncio.run(go())


def test_two_nodes_crawling_one_backlog_each_get_their_own_share(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(200)), a.run_id)
    got_a, got_b = at_once(lambda: drain(claims(a)), lambda: drain(claims(b)))
    assert not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == sorted(f"163:{i}" for i in range(200))


def test_work_is_claimed_a_chunk_at_a_time(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(50)), a.run_id)
    mine = claims(a, chunk=10)
    first = [asyncio.run(mine.next())["article_id"] for _ in range(10)]
    assert mine.claims == 1 and len(first) == 10
    assert len(drain(claims(b))) == 40  # the rest was there for another node


def test_the_runs_limit_caps_what_is_claimed(node):
    a = node("a")
    a.add_links(links(range(30)), a.run_id)
    assert len(drain(claims(a, limit=12, chunk=5))) == 12
    assert a.pending_counts() == {"163": 30}  # 12 leased, 18 pending


def test_an_item_that_failed_is_not_fetched_again_in_the_same_run(node):
    a = node("a")
    a.add_links(links(range(3)), a.run_id)
    mine = claims(a, chunk=1)
    first = asyncio.run(mine.next())["article_id"]
    a.record_outcomes([(first, "retry", "timeout")], a.run_id, 3)  # pending again
    assert drain(mine) == sorted({"163:0", "163:1", "163:2"} - {first})


def test_untried_items_are_those_left_up_to_the_limit(node):
    a = node("a")
    a.add_links(links(range(8)), a.run_id)
    mine = claims(a, limit=6, chunk=2)
    asyncio.run(mine.next())
    assert len(asyncio.run(mine.untried())) == 5


def test_a_dead_nodes_claims_are_waited_for_and_fetched_here(node):
    dead, b = node("dead"), node("b")
    dead.add_links(links(range(6)), dead.run_id)
    dead.claim("163", str(dead.run_id), 6, lease_seconds=1.0)  # then it is killed
    mine = Claims(b, "163", str(b.run_id), limit=100, chunk=10, lease_seconds=60,
                  patience=5.0, poll=0.1)
    assert sorted(drain(mine)) == sorted(f"163:{i}" for i in range(6))
    assert 0.5 <= mine.waited < 5.0


def test_a_live_nodes_claims_are_waited_for_no_longer_than_the_patience(node):
    live, b = node("live"), node("b")
    live.add_links(links(range(3)), live.run_id)
    live.claim("163", str(live.run_id), 3)  # a long lease, renewed
    mine = Claims(b, "163", str(b.run_id), limit=100, chunk=10, lease_seconds=60,
                  patience=0.5, poll=0.1)
    assert drain(mine) == []
    assert mine.waited >= 0.5


def test_with_nothing_claimed_elsewhere_the_run_ends_at_once(node):
    a = node("a")
    a.add_links(links(range(2)), a.run_id)
    mine = Claims(a, "163", str(a.run_id), limit=100, chunk=10, lease_seconds=60,
                  patience=30.0, poll=0.1)
    assert len(drain(mine)) == 2 and mine.waited == 0


def test_two_nodes_done_with_their_items_do_not_wait_for_each_other(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(2)), a.run_id)
    held = {c: asyncio.run(claims(c, chunk=1).next())["article_id"] for c in (a, b)}

    def finishing(control) -> Claims:  # its item fetched, the outcome not yet recorded
        def record() -> None:
            control.record_outcomes([(held[control], "done", None)], control.run_id, 3)
        return Claims(control, "163", str(control.run_id), limit=100, chunk=1,
                      lease_seconds=60, patience=10.0, poll=0.1, before_wait=record)

    last_a, last_b = finishing(a), finishing(b)
    assert at_once(lambda: drain(last_a), lambda: drain(last_b)) == [[], []]
    assert last_a.waited < 5 and last_b.waited < 5
