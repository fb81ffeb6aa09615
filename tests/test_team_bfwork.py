"""The backfill's leases in PostgreSQL (pipeline.store.team.bfwork): index queries paged by
one run at a time, units of work handed to one run, a dead run's work lapsing back."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest

from pipeline.core.records import Fetched
from pipeline.discover.archives import IndexRow
from pipeline.store.records import Batch, CaptureRow, Cursor, Found
from pipeline.store.team import bfwork
from pipeline.store.team.control import PgControl
from tests.team import Nodes, at_once

QUERY = "wayback|36kr.com/p/*|20261101000000|20261129235959"
PARAMS = {"sites": ["36kr"], "archives": ["wayback", "commoncrawl"], "max": 3,
          "refresh": False, "refused": False, "only": [], "tz": "UTC"}


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def found(n: int, archive: str = "wayback") -> Found:
    row = IndexRow(archive, f"https://36kr.com/p/{n}",
                   dt.datetime(2026, 11, 2, n % 24, tzinfo=dt.UTC), f"{archive}:{n}")
    return Found("36kr", "article", f"36kr:{n}", row)


def claim(control: PgControl, limit: int = 100, **params: object) -> list[str]:
    assert control.run_id is not None
    return control._do(lambda con: bfwork.claim(con, "article", control.run_id,
                                                control.lease_ttl, limit,
                                                {**PARAMS, **params}))


def read(run_id: int, n: int, error: str | None) -> CaptureRow:
    got = Fetched(url=f"https://36kr.com/p/{n}", status=200 if error is None else None,
                  error=error, purpose="backfill", via=f"wayback:{n}")
    return CaptureRow.of(n, run_id, "36kr", got)


def test_one_run_pages_an_index_query_at_a_time(node):
    a, b = node("a"), node("b")
    assert a.backfill_turn(QUERY, a.run_id) and a.backfill_turn(QUERY, a.run_id)
    assert not b.backfill_turn(QUERY, b.run_id)
    assert b.backfill_turn(QUERY + "x", b.run_id)  # another query: b takes that one
    a.save_backfill_page(QUERY, [found(1)], "key1", None, False, a.run_id)
    assert not b.backfill_turn(QUERY, b.run_id)
    a.save_backfill_page(QUERY, [], None, None, True, a.run_id)  # done: let go
    assert b.backfill_turn(QUERY, b.run_id)
    assert b.backfill_cursor(QUERY) == Cursor(None, None, True)


def test_a_dead_runs_query_lapses_and_its_late_page_moves_nothing(node):
    a, b = node("a", lease_ttl=1.0), node("b", lease_ttl=1.0)
    assert a.backfill_turn(QUERY, a.run_id)
    a.save_backfill_page(QUERY, [found(1)], "key1", None, False, a.run_id)
    a.heartbeat(a.run_id)
    assert not b.backfill_turn(QUERY, b.run_id)
    time.sleep(1.2)  # a stalls: no heartbeat
    assert b.backfill_turn(QUERY, b.run_id)
    assert b.backfill_cursor(QUERY) == Cursor("key1", None, False)  # b goes on from there
    a.save_backfill_page(QUERY, [found(2)], "stale", None, False, a.run_id)
    assert b.backfill_cursor(QUERY) == Cursor("key1", None, False)
    b.save_backfill_page(QUERY, [], "key2", None, False, b.run_id)
    assert b.backfill_cursor(QUERY) == Cursor("key2", None, False)


def test_the_heartbeat_renews_a_runs_leases_and_its_end_lets_them_go(node, pg_url):
    a, b = node("a", lease_ttl=1.0), node("b", lease_ttl=1.0)
    a.save_backfill_page(QUERY, [found(n) for n in range(4)], None, None, True, a.run_id)
    assert a.backfill_turn("q2", a.run_id) and claim(a, 2) == ["36kr:0", "36kr:1"]
    for _ in range(3):
        time.sleep(0.4)
        a.heartbeat(a.run_id)
    assert not b.backfill_turn("q2", b.run_id) and claim(b) == ["36kr:2", "36kr:3"]
    a.finish_run(a.run_id, "ok", 0, "", [], [])
    with psycopg.connect(pg_url) as con:
        held = con.execute("SELECT key FROM nv_ctl.backfill_work WHERE lease_run = %s "
                           "UNION ALL SELECT query FROM nv_ctl.backfill_cursor "
                           "WHERE lease_run = %s", [a.run_id, a.run_id]).fetchall()
    assert held == []
    assert b.backfill_turn("q2", b.run_id)


def test_runs_claiming_at_once_get_disjoint_articles_each_once(node):
    a, b = node("a"), node("b")
    a.save_backfill_page(QUERY, [found(n) for n in range(40)], None, None, True, a.run_id)
    got_a, got_b = at_once(lambda: claim(a, 15), lambda: claim(b, 15))
    assert len(got_a) == len(got_b) == 15 and not set(got_a) & set(got_b)
    assert claim(a, 100) == sorted(set(f"36kr:{n}" for n in range(40)) - set(got_a)
                                   - set(got_b))
    assert claim(a) == [] and claim(b) == []  # all leased; none handed out twice


@pytest.mark.parametrize("error,left", [(None, False), ("refused-redirect", False),
                                        ("truncated", True)])
def test_a_committed_read_ends_the_lease_and_decides_what_is_left(node, error, left):
    a, b = node("a"), node("b")
    a.save_backfill_page(QUERY, [found(7)], None, None, True, a.run_id)
    assert claim(a) == ["36kr:7"]
    batch = Batch(captures=[read(a.run_id, 7, error)], finished=[("article", "36kr:7")])
    a.record_frontier(batch, a.run_id, 3)
    assert claim(a) == []  # the run that tried it waits for the next run
    assert claim(b) == (["36kr:7"] if left else [])


def test_a_record_failing_max_attempts_times_is_left_alone(node):
    runs = [node(name) for name in ("a", "b", "c", "d")]
    runs[0].save_backfill_page(QUERY, [found(5)], None, None, True, runs[0].run_id)
    for run in runs[:3]:
        assert claim(run) == ["36kr:5"]
        run.record_frontier(Batch(captures=[read(run.run_id, 5, "timeout")],
                                  finished=[("article", "36kr:5")]), run.run_id, 3)
    assert claim(runs[3]) == []


def test_units_another_run_holds_are_counted_until_done_or_lapsed_with_nothing_left(node):
    a, b = node("a", lease_ttl=1.0), node("b", lease_ttl=1.0)
    a.save_backfill_page(QUERY, [found(n) for n in range(3)], None, None, True, a.run_id)
    assert claim(a) == ["36kr:0", "36kr:1", "36kr:2"]

    def held() -> int:
        return b._do(lambda con: bfwork.held_elsewhere(con, "article", b.run_id, PARAMS))

    assert held() == 3
    a.record_frontier(Batch(captures=[read(a.run_id, 0, None)],
                            finished=[("article", "36kr:0")]), a.run_id, 3)
    assert held() == 2
    time.sleep(1.2)  # a dies: its units lapse, with work left: still worth waiting for
    assert held() == 2 and claim(b) == ["36kr:1", "36kr:2"]
