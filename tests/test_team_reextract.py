"""`newsvault reextract` from several nodes of one team archive: the candidates are
shared out in leased units, so each article is re-extracted once whatever the number
of nodes, and a node killed mid-run leaves its unit to lapse and be done by another."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from pipeline.extract import EXTRACTOR_VERSION
from pipeline.store.team.lake import Lake
from tests.lake import team_settings
from tests.pagelake import page_archive
from tests.team import PROC, processes_at_once

ARTICLES = 60  # 6 units of 10
LEASE_TTL = 3.0


@pytest.fixture
def team(pg_url: str, tmp_path: Path) -> tuple[str, Path, list[str]]:
    """A team archive of ARTICLES pages stored by an older extractor, and a config."""
    shared = tmp_path / "shared"
    ids = page_archive(team_settings(pg_url, shared, "builder"), ARTICLES)
    config = tmp_path / "team.toml"
    config.write_text(f'[warehouse]\ndata_path = "{shared}"\n'
                      f"[team]\nlease_ttl = {LEASE_TTL}\nheartbeat = 0.3\n"
                      "[terms]\nindex_on_crawl = false\n")
    return pg_url, config, ids


def argv(team, node: str, *more: str) -> list[str]:
    pg_url, config, _ = team
    return ["--config", str(config), "--warehouse", pg_url, "--node", node, "reextract",
            "-q", *more]


def lake_rows(team, sql: str) -> list[tuple]:
    pg_url, config, _ = team
    shared = config.parent / "shared"
    with Lake.open(team_settings(pg_url, shared, "reader"), read_only=True) as lake:
        return lake.con.execute(sql).fetchall()


def pg_rows(team, sql: str) -> list[tuple]:
    with psycopg.connect(team[0]) as con:
        return con.execute(sql).fetchall()


def reextracted(team) -> dict[str, int]:
    """How many states each article got from reextract runs (by this extractor)."""
    return dict(lake_rows(team, "SELECT article_id, count(*) FROM article_states WHERE "
                                f"extractor_version = '{EXTRACTOR_VERSION}' GROUP BY 1"))


def test_two_nodes_at_once_reextract_every_candidate_exactly_once(team):
    results = processes_at_once(["cli", *argv(team, "n1")], ["cli", *argv(team, "n2")])
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    states = reextracted(team)
    assert sorted(states) == sorted(team[2]) and set(states.values()) == {1}
    assert lake_rows(team, "SELECT count(*), count(DISTINCT article_id) FROM articles "
                           f"WHERE extractor_version = '{EXTRACTOR_VERSION}'") == [
        (ARTICLES, ARTICLES)]
    versions = lake_rows(team, "SELECT count(*), count(DISTINCT article_id) "
                               "FROM article_versions WHERE reason = 'reextract'")
    assert versions[0][0] == versions[0][1]  # an old state kept once, never twice
    runs = pg_rows(team, "SELECT node, outcome, exit_code FROM nv_ctl.runs ORDER BY node")
    assert runs == [("n1", "ok", 0), ("n2", "ok", 0)]
    shares = dict(pg_rows(team, "SELECT r.node, count(*) FROM nv_ctl.work_units u "
                                "JOIN nv_ctl.runs r ON r.run_id = u.done_run GROUP BY 1"))
    assert sum(shares.values()) == 6 and len(shares) == 2  # both did a share


def test_a_rerun_after_the_job_is_done_does_nothing_new(team, capsys):
    from pipeline.cli.main import main

    assert main(argv(team, "n1")) == 0
    assert main(argv(team, "n2")) == 0
    assert "0 re-extracted" in capsys.readouterr().out
    assert set(reextracted(team).values()) == {1}
    assert pg_rows(team, "SELECT count(*) FROM nv_ctl.work_jobs") == [(1,)]


@pytest.mark.parametrize("more, fault, index, held, shares", [
    # dies committing its 3rd unit: units 1 and 2 done, 3 not committed
    ((), "commit:3", "false", 3, [("survivor", 4, 2), ("victim", 2, 1)]),
    # dies in the term index after its 1st unit's articles were committed, before the
    # unit was marked done: the survivor does that unit again and finds it unchanged
    (("--all",), "commit:2", "true", 1, [("survivor", 6, 2)]),
], ids=["mid-unit", "committed-not-done"])
def test_a_node_killed_mid_run_leaves_its_unit_to_another(team, more, fault, index, held,
                                                           shares):
    config = team[1]
    config.write_text(config.read_text().replace("index_on_crawl = false",
                                                 f"index_on_crawl = {index}"))
    env = {**os.environ, "NEWSVAULT_FAULT": fault}
    victim = subprocess.run([sys.executable, str(PROC), "cli", *argv(team, "victim", *more)],
                            input="go\n", env=env, capture_output=True, text=True, timeout=60)
    assert victim.returncode == -9, victim.stderr
    assert pg_rows(team, "SELECT unit FROM nv_ctl.work_units WHERE state = 'leased'") == [
        (held,)]
    started = time.monotonic()
    survivor = subprocess.run([sys.executable, str(PROC), "cli",
                               *argv(team, "survivor", *more)],
                              input="go\n", capture_output=True, text=True, timeout=60)
    assert survivor.returncode == 0, survivor.stderr
    assert time.monotonic() - started < LEASE_TTL + 20
    states = reextracted(team)
    assert sorted(states) == sorted(team[2]) and set(states.values()) == {1}
    versions = lake_rows(team, "SELECT count(*), count(DISTINCT article_id) "
                               "FROM article_versions")
    assert versions == [(ARTICLES, ARTICLES)]  # each old state kept once
    units = pg_rows(team, "SELECT r.node, count(*), max(u.leases) FROM nv_ctl.work_units u "
                          "JOIN nv_ctl.runs r ON r.run_id = u.done_run GROUP BY 1 ORDER BY 1")
    assert units == shares
    assert pg_rows(team, "SELECT node, outcome IN ('running', 'interrupted') FROM "
                         "nv_ctl.runs WHERE outcome <> 'ok'") == [("victim", True)]
