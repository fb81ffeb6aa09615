"""The crawl's claims (pipeline.jobs.claims) against team mode's leases on PostgreSQL."""

from __future__ import annotations

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
    out = []
    while (item := c.next()) is not None:
        out.append(item["article_id"])
    return out


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
    first = [mine.next()["article_id"] for _ in range(10)]
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
    first = mine.next()["article_id"]
    a.record_outcomes([(first, "retry", "timeout")], a.run_id, 3)  # pending again
    assert drain(mine) == sorted({"163:0", "163:1", "163:2"} - {first})


def test_untried_items_are_those_left_up_to_the_limit(node):
    a = node("a")
    a.add_links(links(range(8)), a.run_id)
    mine = claims(a, limit=6, chunk=2)
    mine.next()
    assert len(mine.untried()) == 5
