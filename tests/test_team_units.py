"""Shared jobs in team mode's control state: a job planned once, its units leased to one
live node at a time, lapsing back when a node stops renewing them, done once."""

from __future__ import annotations

import time

import psycopg
import pytest

from pipeline.store.records import WorkUnit
from pipeline.store.workunits import OneUnit, claimed_units, split, unit_size
from tests.team import Nodes, at_once

KEYS = [f"163:K{i:04d}" for i in range(100)]


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def plan(size: int = 10):
    calls: list[int] = []

    def make() -> list[tuple[str, str, int]]:
        calls.append(1)
        return split(KEYS, size)
    make.calls = calls  # type: ignore[attr-defined]
    return make


@pytest.mark.parametrize("items, size", [(1, 10), (100, 10), (1000, 32), (20_000, 250)])
def test_a_job_is_split_into_units_of_a_few_hundred_at_most(items, size):
    assert unit_size(items) == size


def test_split_covers_every_key_once_in_key_order():
    units = split(list(reversed(KEYS)) + KEYS[:5], 30)
    assert units == [(KEYS[0], KEYS[29], 30), (KEYS[30], KEYS[59], 30),
                     (KEYS[60], KEYS[89], 30), (KEYS[90], KEYS[99], 10)]


def test_nodes_opening_a_job_at_once_plan_it_once_and_share_it(node):
    a, b = node("a"), node("b")
    planner = plan()
    jobs = at_once(lambda: a.open_job("reextract:v1:stale", planner),
                   lambda: b.open_job("reextract:v1:stale", planner))
    assert jobs[0] == jobs[1] == "reextract:v1:stale#1"
    assert len(planner.calls) == 1  # type: ignore[attr-defined]


def test_two_nodes_claiming_at_once_never_get_the_same_unit(node):
    a, b = node("a"), node("b")
    job = a.open_job("j", plan())

    def take(control, owner):
        got = []
        while (unit := control.claim_unit(job, owner, 60)) is not None:
            got.append(unit.unit)
        return got

    mine, theirs = at_once(lambda: take(a, "a"), lambda: take(b, "b"))
    assert sorted(mine + theirs) == list(range(1, 11))
    assert not set(mine) & set(theirs)


def test_a_unit_not_renewed_lapses_to_another_node_and_is_done_once(node):
    a, b = node("a", lease_ttl=1), node("b")
    job = a.open_job("j", lambda: split(KEYS[:10], 10))
    first = a.claim_unit(job, "a", 1)
    assert first == WorkUnit(job, 1, KEYS[0], KEYS[9], 10, 1)
    assert b.claim_unit(job, "b", 60) is None and b.units_elsewhere(job, "b") == 1
    time.sleep(1.2)  # a stops renewing it (a dead node)
    again = b.claim_unit(job, "b", 60)
    assert again is not None and (again.unit, again.leases) == (1, 2)
    b.unit_done(again, b.run_id)
    a.unit_done(first, a.run_id)  # the first holder finishing late changes nothing
    with psycopg.connect(node.url) as con:
        assert con.execute("SELECT state, done_run FROM nv_ctl.work_units").fetchall() == [
            ("done", b.run_id)]
    assert b.units_elsewhere(job, "b") == 0 and b.claim_unit(job, "b", 60) is None


def test_the_heartbeat_keeps_a_units_lease(node):
    a, b = node("a", lease_ttl=1), node("b")
    job = a.open_job("j", plan())
    a.claim_unit(job, "a", 1)
    for _ in range(3):
        time.sleep(0.5)
        a.heartbeat(a.run_id)
    units = []
    while (unit := b.claim_unit(job, "b", 60)) is not None:
        units.append(unit.unit)
    assert units == list(range(2, 11))


def test_a_dead_runs_units_go_back_when_the_next_run_finds_it_stale(node):
    a = node("a", lease_ttl=1)
    job = a.open_job("j", plan())
    a.claim_unit(job, "a", 60)  # a long lease, but its run dies
    time.sleep(1.2)
    b = node("b", lease_ttl=1)  # starting, b records a's run interrupted
    assert b.claim_unit(job, "b", 60).unit == 1  # type: ignore[union-attr]


def test_a_run_ending_gives_its_units_back(node):
    a, b = node("a"), node("b")
    job = a.open_job("j", plan())
    a.claim_unit(job, "a", 60)
    a.release("a")
    assert b.claim_unit(job, "b", 60).unit == 1  # type: ignore[union-attr]


def test_a_done_job_is_planned_again_only_when_there_is_work(node):
    a = node("a")
    job = a.open_job("j", plan(50))
    for unit in claimed_units(a, job, "a", 60, poll=0.1):
        a.unit_done(unit, a.run_id)
    assert a.open_job("j", lambda: []) is None  # nothing stale any more: nothing to do
    assert a.open_job("j", plan(50)) == "j#2"   # everything again (`--all`)


def test_a_node_waits_for_others_units_and_takes_them_when_they_lapse(node):
    a, b = node("a", lease_ttl=1), node("b")
    job = a.open_job("j", plan(50))
    a.claim_unit(job, "a", 1)  # and dies
    started = time.monotonic()
    done = []
    for unit in claimed_units(b, job, "b", 60, poll=0.1):
        done.append(unit.unit)
        b.unit_done(unit, b.run_id)
    assert sorted(done) == [1, 2] and time.monotonic() - started >= 0.8


def test_the_file_has_one_unit_the_whole_job():
    store = OneUnit()
    job = store.open_job("reextract:v1:stale", lambda: pytest.fail("not planned"))
    assert store.claim_unit(job, "run", 60) == WorkUnit(job, 1)  # type: ignore[arg-type]
    assert store.claim_unit(job, "run", 60) is None  # type: ignore[arg-type]
    assert store.units_elsewhere(job, "run") == 0  # type: ignore[arg-type]
