"""Team mode's control state on a real PostgreSQL: the frontier, leases, runs, ids."""

from __future__ import annotations

import datetime as dt
import json
import random
import time

import psycopg
import pytest

from pipeline.store.team import schema
from tests.team import Nodes, at_once, links, processes_at_once


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def test_three_processes_creating_the_schema_at_once_all_succeed_and_apply_it_once(node):
    results = processes_at_once(*[["schema", node.url]] * 3)
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    applied = sorted(json.loads(out.splitlines()[-1]) for _, out, _ in results)
    assert applied == [[], [], [v for v, _, _ in schema.versions()]]
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT count(*) FROM nv_ctl.schema_version").fetchone() == (
            len(schema.versions()),)


def test_a_second_start_finds_the_schema_applied(node):
    node("a").close()
    with psycopg.connect(node.url, autocommit=True) as con:
        assert schema.ensure(con) == []
        assert schema.current(con) == schema.latest()


def test_discovery_from_two_connections_never_duplicates_an_item(node):
    a, b = node("a"), node("b")
    ids = list(range(500))
    mine, theirs = random.Random(1).sample(ids, len(ids)), random.Random(2).sample(ids, len(ids))
    new_a, new_b = at_once(lambda: a.add_links(links(mine), 1),
                           lambda: b.add_links(links(theirs), 2))
    assert not set(new_a) & set(new_b)
    assert len(new_a) + len(new_b) == 500
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) "
                           "FROM nv_ctl.frontier").fetchone() == (500, 500)


def test_an_item_found_again_keeps_its_state(node):
    a = node("a")
    a.add_links(links([1]), 1)
    a.record_outcomes([("163:1", "done", None)], a.run_id, 3)
    assert a.add_links(links([1, 2]), 2) == ["163:2"]
    assert [i["article_id"] for i in a.pending("163", 10)] == ["163:2"]


def test_two_nodes_claiming_at_once_never_get_the_same_item(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(300)), 1)

    def drain(control, owner):
        got = []
        while batch := control.claim("163", owner, 7):
            got += [item["article_id"] for item in batch]
        return got

    got_a, got_b = at_once(lambda: drain(a, "a"), lambda: drain(b, "b"))
    assert not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == sorted(f"163:{i}" for i in range(300))
    assert got_a and got_b  # both took part


def test_claims_come_new_items_first_then_oldest(node):
    a, b = node("a"), node("b")
    a.add_links(links([5]), 1)
    a.add_links(links([3]), 1)
    a.record_outcomes([("163:5", "done", None)], a.run_id, 3)
    with psycopg.connect(node.url, autocommit=True) as con:  # 163:5 is due for a refetch
        con.execute("UPDATE nv_ctl.frontier SET state = 'pending', refetches = 1 "
                    "WHERE article_id = '163:5'")
    a.add_links(links([9]), 1)
    assert [i["article_id"] for i in b.claim("163", "b", 10)] == ["163:3", "163:9", "163:5"]


def test_an_expired_lease_is_claimed_by_another_node(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(3)), 1)
    assert len(a.claim("163", "a", 10, lease_seconds=0.5)) == 3
    assert b.claim("163", "b", 10) == []  # a's lease is live
    time.sleep(0.7)
    assert len(b.claim("163", "b", 10)) == 3


def test_a_heartbeat_keeps_the_leases_of_its_run(node):
    a, b = node("a", lease_ttl=1.0, run=False), node("b")
    run = a.new_run_id()
    a.start_run(run, ["163"], "a", 1, "")
    a.add_links(links(range(3)), run)
    a.claim("163", "a", 10)
    for _ in range(4):
        time.sleep(0.4)
        assert a.heartbeat(run)
    assert b.claim("163", "b", 10) == []  # 1.6 s after the claim: renewed, still a's


def test_a_late_outcome_does_not_take_an_item_back_from_its_new_holder(node):
    a, b = node("a"), node("b")
    run_a, run_b = a.run_id, b.run_id
    a.add_links(links([1]), run_a)
    a.claim("163", "a", 1, lease_seconds=0.2)
    time.sleep(0.3)
    b.claim("163", "b", 1)
    assert a.record_outcomes([("163:1", "retry", "timeout")], run_a, 3) == 0
    assert b.record_outcomes([("163:1", "done", None)], run_b, 3) == 1


def test_a_done_item_is_not_undone_by_a_late_failure(node):
    a = node("a")
    a.add_links(links([1]), 1)
    a.record_outcomes([("163:1", "done", None)], a.run_id, 3)
    a.record_outcomes([("163:1", "retry", "timeout")], a.run_id, 3)
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT state FROM nv_ctl.frontier").fetchone() == ("done",)


@pytest.mark.parametrize(("outcomes", "state"), [
    (["retry"], "pending"), (["retry", "retry", "retry"], "failed"),
    (["refused", "refused", "refused"], "refused"), (["skipped"], "skipped"),
    (["failed"], "failed"), (["retry", "done"], "done")])
def test_outcomes_are_recorded_by_key_and_retries_are_bounded(node, outcomes, state):
    a = node("a")
    a.add_links(links([1]), 1)
    for outcome in outcomes:
        a.claim("163", "a", 1)
        a.record_outcomes([("163:1", outcome, None)], a.run_id, 3)
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT state, lease_owner FROM nv_ctl.frontier").fetchone() == (
            state, None)


def test_released_items_are_pending_again_at_once(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(4)), 1)
    a.claim("163", "a/1", 4)
    assert a.release("a/1") == 4
    assert len(b.claim("163", "b", 10)) == 4


def test_a_recent_article_fetched_long_ago_is_queued_again_once(node):
    a = node("a")
    a.add_links(links([1, 2]), 1)
    a.record_outcomes([("163:1", "done", None), ("163:2", "done", None)], a.run_id, 3)
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(seconds=5)
    assert a.requeue_refetch("163", later, later, now - dt.timedelta(hours=1), 1) == 2
    a.record_outcomes([("163:1", "done", None), ("163:2", "done", None)], a.run_id, 3)
    assert a.requeue_refetch("163", later, later, now - dt.timedelta(hours=1), 1) == 0
    assert a.pending_counts() == {}


def test_a_run_is_not_interrupted_because_another_node_started(node):
    a, b = node("a", lease_ttl=5, run=False), node("b", lease_ttl=5, run=False)
    run_a = a.new_run_id()
    a.start_run(run_a, ["163"], "a", 1, "")
    run_b = b.new_run_id()
    assert b.start_run(run_b, ["163"], "b", 2, "") == []
    assert a.run(run_a)["outcome"] == "running"


def test_a_run_whose_heartbeat_stopped_is_interrupted_and_its_leases_returned(node):
    a, b, c = (node(name, lease_ttl=1.0, run=False) for name in "abc")
    run_a, run_b = a.new_run_id(), b.new_run_id()
    a.start_run(run_a, ["163"], "a", 1, "")
    b.start_run(run_b, ["163"], "b", 2, "")
    a.add_links(links(range(3)), run_a)
    a.claim("163", "a", 3)
    for _ in range(3):  # a falls silent (its session stays open: a partition); b beats
        time.sleep(0.45)
        b.heartbeat(run_b)
    run_c = c.new_run_id()
    assert c.start_run(run_c, ["163"], "c", 3, "") == [run_a]
    assert (a.run(run_a)["outcome"], b.run(run_b)["outcome"]) == ("interrupted", "running")
    assert len(c.claim("163", "c", 10)) == 3


def test_a_heartbeat_thread_finds_another_nodes_dead_run(node):
    from pipeline.store.team.heartbeat import Heartbeat

    a, b = node("a", lease_ttl=60.0), node("b", lease_ttl=60.0)
    a.add_links(links(range(2)), a.run_id)
    a.claim("163", "a", 2)
    a.close()  # its process died
    with Heartbeat(node.url, b.run_id, 0.05, 60.0):
        wait_until(lambda: b.run(a.run_id)["outcome"] == "interrupted")
    assert b.pending_counts() == {"163": 2}  # back in the pool, for any node to claim


def wait_until(check, within: float = 5.0) -> None:
    end = time.monotonic() + within
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def liveness_locks(url: str) -> int:
    with psycopg.connect(url) as con:
        return con.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND database = (SELECT oid FROM pg_database "
                           "WHERE datname = current_database())").fetchone()[0]


def claim_soon(control, owner: str, limit: int, within: float = 5.0) -> list:
    """What `control` claims, trying for `within` seconds (a closed session's locks go
    as its backend exits, a moment after the client leaves)."""
    end = time.monotonic() + within
    while not (got := control.claim("163", owner, limit)) and time.monotonic() < end:
        time.sleep(0.02)
    return got


def test_a_run_whose_session_ended_is_interrupted_at_once_and_its_leases_returned(node):
    a, b = node("a", lease_ttl=60.0), node("b", lease_ttl=60.0)
    a.add_links(links(range(3)), a.run_id)
    assert len(a.claim("163", "a", 3)) == 3
    assert b.claim("163", "b", 3) == []  # a lives: its leases hold
    began = time.monotonic()
    a.close()  # as when its process dies: PostgreSQL ends the session, and its locks
    assert len(claim_soon(b, "b", 3)) == 3
    assert time.monotonic() - began < 5  # not the 60 s lease expiry
    assert (b.run(a.run_id)["outcome"], b.run(b.run_id)["outcome"]) == (
        "interrupted", "running")


def test_a_finished_run_lets_its_liveness_lock_go_and_stays_finished(node):
    a, b = node("a", run=False), node("b")
    held = liveness_locks(node.url)
    run = a.new_run_id()
    a.start_run(run, ["163"], "a", 1, "")
    assert liveness_locks(node.url) == held + 1
    a.finish_run(run, "ok", 0, "done", [], [])
    assert liveness_locks(node.url) == held
    b.add_links(links([1]), b.run_id)
    assert len(b.claim("163", "b", 1)) == 1  # looked for dead runs: a is not one
    assert a.run(run)["outcome"] == "ok"


def test_a_failed_run_is_recorded_failed_with_its_error(node):
    a = node("a", run=False)
    run = a.new_run_id()
    a.start_run(run, ["163"], "a", 1, "")
    a.finish_run(run, "failed", 74, "stopped", [], [], error="disk full", error_detail="...")
    row = a.run(run)
    assert (row["outcome"], row["exit_code"], row["error"]) == ("failed", 74, "disk full")


def test_sequences_give_distinct_ids_across_connections(node):
    nodes = [node(f"n{i}") for i in range(3)]

    def take(control):
        return [i for _ in range(20) for i in control.next_ids("capture", 25)] + [
            control.new_run_id() * -1 for _ in range(10)]

    taken = [i for ids in at_once(*(lambda n=n: take(n) for n in nodes)) for i in ids]
    assert len(taken) == len(set(taken)) == 3 * (500 + 10)


def test_nodes_indexing_at_once_agree_on_term_ids_and_doc_numbers(node):
    a, b = node("a"), node("b")
    terms_a = [f"词{i}" for i in range(0, 300)]
    terms_b = [f"词{i}" for i in range(150, 450)]
    ids_a, ids_b = at_once(lambda: a.term_ids(terms_a), lambda: b.term_ids(terms_b))
    assert all(ids_a[t] == ids_b[t] for t in set(terms_a) & set(terms_b))
    merged = {**ids_a, **ids_b}
    assert len(set(merged.values())) == len(merged) == 450
    docs_a, docs_b = at_once(lambda: a.doc_numbers(["163:1", "163:2"]),
                             lambda: b.doc_numbers(["163:2", "163:3"]))
    assert docs_a["163:2"] == docs_b["163:2"]
    assert len({*docs_a.values(), *docs_b.values()}) == 3


def test_list_memory_answers_the_stop_paging_questions(node):
    a = node("a")
    assert not a.list_seen("163", "tech")
    a.add_listed([("163", "tech", "163:1"), ("163", "tech", "163:2")], 5)
    a.add_listed([("163", "tech", "163:2"), ("163", "tech", "163:3")], 7)
    assert a.list_seen("163", "tech")
    assert a.known_before("163", "tech", ["163:1", "163:2", "163:3"], 7) == {"163:1", "163:2"}
    a.add_links(links([1]), 5)
    assert a.known(["163:1", "163:9"]) == {"163:1"}


def test_a_claim_never_hands_an_item_back_to_the_run_that_tried_it(node):
    a, b = node("a"), node("b")
    a.add_links(links([1]), a.run_id)
    a.claim("163", "a", 1)
    a.record_outcomes([("163:1", "retry", "timeout")], a.run_id, 3)
    assert a.claim("163", "a", 1) == []
    assert [i["article_id"] for i in b.claim("163", "b", 1)] == ["163:1"]


def test_claims_held_by_other_owners_are_counted_until_recorded_or_reclaimed(node):
    a, b = node("a"), node("b")
    a.add_links(links(range(5)), a.run_id)
    a.claim("163", "a", 3)
    b.claim("163", "b", 1, lease_seconds=0.1)
    time.sleep(0.2)  # b's lapsed: still counted, it is claimable
    assert (b.claimed_elsewhere("163", "b"), a.claimed_elsewhere("163", "a")) == (3, 1)
    assert len(a.claim("163", "a", 5)) == 2  # b's lapsed one and the last pending one
    assert a.claimed_elsewhere("163", "a") == 0


def test_a_run_recording_batches_while_its_heartbeat_renews_never_deadlocks(node):
    from pipeline.store.records import Batch
    from pipeline.store.team.heartbeat import Heartbeat

    a = node("a")
    a.add_links(links(range(200)), a.run_id)
    held = [i["article_id"] for i in a.claim("163", "a", 200)]
    with Heartbeat(node.url, a.run_id, 0.005, 60.0) as beat:
        for n in range(0, 200, 10):  # as the recorder commits: outcomes, progress, beat
            with a.transaction():
                a.record_frontier(Batch(done=[(i, "done", None) for i in held[n:n + 10]][::-1]),
                                  a.run_id, 3)
                a.set_progress(a.run_id, f"{n} done")
                a.heartbeat(a.run_id)
    assert beat.beats > 0
    assert a.pending_counts() == {}


class BehindAPooler:
    """A connection whose server session is not the one libpq was told of at connect
    (what a pooler that shares server sessions looks like from the client)."""

    def __init__(self, con: psycopg.Connection) -> None:
        self.con, self.closed = con, False
        self.info = type("Info", (), {"backend_pid": -1})()

    def execute(self, *args, **kwargs):
        return self.con.execute(*args, **kwargs)


def test_behind_a_pooler_a_run_holds_no_liveness_lock_and_relies_on_its_heartbeat(node):
    from pipeline.store.team import runs

    held = liveness_locks(node.url)
    with psycopg.connect(node.url, autocommit=True) as con:
        assert runs.hold_alive(BehindAPooler(con), 7) is False
        assert liveness_locks(node.url) == held  # taken and let go again
        assert runs.hold_alive(con, 7) is True  # a session of its own
        assert liveness_locks(node.url) == held + 1


def test_a_run_without_a_liveness_lock_is_judged_by_its_heartbeat_alone(node):
    from pipeline.store.team import runs

    b = node("b")
    with psycopg.connect(node.url, autocommit=True) as con:  # a run behind a pooler
        run = b.new_run_id()
        runs.start_run(con, run, ["163"], "p", 1, "", "crawl", 60.0, alive_lock=False)
    b.claim("163", "b", 1)  # looks for dead runs: its session is gone, its heartbeat fresh
    assert b.run(run)["outcome"] == "running"
