"""PgControl is the ControlState of pipeline.store.interfaces, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import inspect

import psycopg
import pytest

from pipeline.core.errors import LockHeld, WarehouseError
from pipeline.core.records import Link
from pipeline.discover.archives import IndexRow
from pipeline.store.interfaces import ControlState
from pipeline.store.records import Batch, Cursor, Found
from pipeline.store.team.control import PgControl
from tests.team import Nodes, links


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def protocol_methods() -> list[str]:
    return [name for name, _ in inspect.getmembers(ControlState, inspect.isfunction)
            if not name.startswith("_")]


@pytest.mark.parametrize("name", protocol_methods())
def test_pgcontrol_answers_every_control_state_call(name):
    wanted = inspect.signature(getattr(ControlState, name))
    have = inspect.signature(getattr(PgControl, name))
    for param in wanted.parameters.values():
        assert param.name in have.parameters, f"{name}() lacks {param.name}"
    required = [p.name for p in have.parameters.values()
                if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    assert set(required) <= set(wanted.parameters), f"{name}() requires more than asked"


def test_a_batch_records_links_lists_feeds_cooldowns_and_outcomes_together(node):
    a = node("a")
    now = dt.datetime.now(dt.UTC)
    flash = Link(url="https://36kr.com/newsflashes/1", article_id="36kr:f1", site="36kr",
                 kind="newsflash", list_name="flash", record=object())  # type: ignore[arg-type]
    fed = Link(url="https://36kr.com/p/2", article_id="36kr:2", site="36kr",
               list_name="feed", feed_text="<p>全文</p>")
    batch = Batch(links=[*links([1, 2]), flash], listed=[("163", "tech", "163:1")],
                  feeds=[(fed, 7)], cooldowns=[("36kr", now, now + dt.timedelta(minutes=30),
                                                "risk page")],
                  done=[("163:1", "done", None)])
    a.record_frontier(batch, a.run_id, 3)
    with psycopg.connect(node.url) as con:
        states = dict(con.execute("SELECT article_id, state FROM nv_ctl.frontier"))
    assert states == {"163:1": "done", "163:2": "pending", "36kr:f1": "done"}
    assert a.known_before("163", "tech", ["163:1"], a.run_id + 1) == {"163:1"}
    assert a.feed_item("36kr:2")["content"] == "<p>全文</p>"
    assert a.cooldown("36kr", now)[1] == "risk page"
    assert a.cooldown("163", now) is None


def test_a_batch_that_fails_records_nothing(node):
    a = node("a")
    bad = Batch(links=links([1]), done=[("163:1", "done", None)],
                cooldowns=[("36kr", dt.datetime.now(dt.UTC), None, "x")])  # type: ignore[list-item]
    with pytest.raises(WarehouseError, match="team database"):
        a.record_frontier(bad, a.run_id, 3)
    assert a.known(["163:1"]) == set()


def test_backfill_paging_is_kept_and_each_capture_listed_once(node):
    a = node("a")
    assert a.backfill_cursor("wayback 163") is None
    row = IndexRow("wayback", "https://www.163.com/dy/article/1.html",
                   dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "https://web.archive.org/web/1id_/x")
    found = [Found("163", "article", "163:1", row)]
    assert a.save_backfill_page("wayback 163", found, "key1", None, False, a.run_id) == 1
    assert a.save_backfill_page("wayback 163", found, "key2", None, True, a.run_id) == 0
    assert a.backfill_cursor("wayback 163") == Cursor("key2", None, True)


def test_runs_of_different_nodes_go_on_at_once(node):
    a, b = node("a", run=False), node("b", run=False)
    with a.run_lock("crawl") as held, b.run_lock("crawl"):
        held.note(run_id=5)
        assert held.info == {"command": "crawl", "node": "a", "run_id": 5}


def test_a_second_run_under_one_node_name_is_refused(node):
    a, twin = node("a", run=False), node("a", run=False)
    with a.run_lock("crawl"), pytest.raises(LockHeld, match="--node"), twin.run_lock("crawl"):
        pass
    with twin.run_lock("crawl"):  # once the first is done
        pass


def test_maintenance_runs_on_one_node_at_a_time(node):
    m, n = node("m", run=False), node("n", run=False)
    with m.run_lock("maintain"), pytest.raises(LockHeld), n.run_lock("maintain"):
        pass


def test_a_heartbeat_thread_keeps_a_busy_runs_leases_until_it_stops(node):
    import time

    from pipeline.store.team.heartbeat import Heartbeat

    a, b = node("a", lease_ttl=1.0), node("b")
    a.add_links(links(range(2)), a.run_id)
    a.claim("163", "a", 2)
    with Heartbeat(node.url, a.run_id, every=0.25, lease_ttl=1.0) as beat:
        time.sleep(1.5)  # the main thread busy: no heartbeat of its own
        assert b.claim("163", "b", 10) == []
    assert beat.beats >= 3 and not beat.lost
    time.sleep(1.1)
    assert len(b.claim("163", "b", 10)) == 2


def record(control, lists, command="crawl"):
    """A run of `control`'s node recorded from a real run report with these lists."""
    from pipeline.jobs.report import RunReport, SiteReport

    run_id = control.new_run_id()
    control.start_run(run_id, ["163"], control.node, 1, "", command)
    site = SiteReport("163", lists=lists)
    site.counters["fetch/article/status/200"] = 3
    report = RunReport(run_id, [site], command=command)
    control.finish_run(run_id, report.outcome, report.exit_code, report.summary,
                       [s.row() for s in report.sites], report.counters())
    return run_id


def test_a_runs_report_is_recorded_with_its_sites_lists_and_counters(node):
    from pipeline.discover.lists import ListOutcome

    a = node("a", run=False)
    run = record(a, [ListOutcome("163", "tech", kind="jsonp", pages=5, cut=True, gap=True,
                                 resume={"page": 6})])
    assert a.run(run)["outcome"] == "ok"
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT site, outcome, depth_cut FROM nv_ctl.run_sites").fetchall(
            ) == [("163", "ok", ["tech"])]
        assert con.execute("SELECT value FROM nv_ctl.run_counters WHERE key = "
                           "'fetch/article/status/200'").fetchone() == (3,)
    assert a.open_gap("163", "tech") == (run, {"page": 6})


def test_a_gap_closes_when_a_later_run_reads_back_over_it(node):
    from pipeline.discover.lists import ListOutcome

    a, b = node("a", run=False), node("b", run=False)
    gap = record(a, [ListOutcome("163", "tech", cut=True, gap=True, resume={"page": 6})])
    record(b, [ListOutcome("163", "tech", reached_known=True, horizon_run=gap)])
    assert a.open_gap("163", "tech") is None


def test_a_gap_closes_when_a_later_run_that_stored_archived_captures_ends_ok(node):
    from pipeline.discover.lists import ListOutcome

    a = node("a", run=False)
    gap = record(a, [ListOutcome("163", "tech", cut=True, gap=True)])
    backfill = record(a, [], command="backfill")
    assert a.open_gap("163", "tech") == (gap, None)  # it stored nothing of the site
    assert a.open_gap("163", "tech", [backfill]) is None  # the lake says it did


def store_methods() -> list[str]:
    from pipeline.store.interfaces import Store

    return [name for name, _ in inspect.getmembers(Store, inspect.isfunction)
            if not name.startswith("_")]


@pytest.mark.parametrize("name", store_methods())
def test_teamstore_answers_every_store_call_as_asked(name):
    from pipeline.store.interfaces import Store
    from pipeline.store.team.store import TeamStore

    wanted = list(inspect.signature(getattr(Store, name)).parameters)
    have = list(inspect.signature(getattr(TeamStore, name)).parameters)
    assert have[:len(wanted)] == wanted, f"{name}{tuple(have)} is called as {tuple(wanted)}"
