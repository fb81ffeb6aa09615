"""The test PostgreSQL: a fresh database per test, reachable by its libpq URI."""

from __future__ import annotations

import psycopg


def test_each_test_gets_an_empty_database_of_its_own(pg_url: str) -> None:
    with psycopg.connect(pg_url) as con:
        tables = con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)
        con.execute("CREATE TABLE mine (x int)")


def test_a_database_made_by_one_test_is_not_seen_by_the_next(pg_url: str) -> None:
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT to_regclass('public.mine')").fetchone() == (None,)


def test_the_server_does_not_run_as_root(pg_url: str) -> None:
    with psycopg.connect(pg_url) as con:  # the backend lives as long as its connection
        pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            uid = next(line for line in status if line.startswith("Uid:")).split()[1]
    assert uid != "0"
