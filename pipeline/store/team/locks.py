"""Advisory locks of the team database: exclusions across nodes, gone with the session.

    maintenance: one node at a time, and only while no crawl writes (exclusive)
    crawling:    any number of crawls at once, never beside maintenance (shared)
    node_run:    one run of a command per node name (its WARC files are its own)
    discovery:   one node pages a site's lists at a time (try: the others skip ahead)

Session-level locks on the caller's connection: held until released or until the
connection closes, so a killed process lets go as a killed process's flock does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from pipeline.core.errors import LockHeld

MAINTENANCE = "newsvault:maintenance"
DISCOVERY = "newsvault:discover:"
NODE_RUN = "newsvault:run:"


def _try(con: psycopg.Connection, key: str, shared: bool = False) -> bool:
    fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
    row = con.execute(f"SELECT {fn}(hashtextextended(%s, 0))", [key]).fetchone()
    return bool(row and row[0])


def _unlock(con: psycopg.Connection, key: str, shared: bool = False) -> None:
    if con.closed:
        return  # the session is gone, and its locks with it
    fn = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
    con.execute(f"SELECT {fn}(hashtextextended(%s, 0))", [key])


@contextmanager
def _held(con: psycopg.Connection, key: str, shared: bool, busy: str) -> Iterator[None]:
    if not _try(con, key, shared):
        raise LockHeld(busy)
    try:
        yield
    finally:
        _unlock(con, key, shared)


def maintenance(con: psycopg.Connection) -> Iterator[None]:
    """Held by `newsvault maintain`: LockHeld (exit 75) while a crawl or another
    maintenance runs."""
    return _held(con, MAINTENANCE, False, "maintenance cannot run now: a crawl or another "
                 "maintenance holds the team database; try again when it is done")


def crawling(con: psycopg.Connection) -> Iterator[None]:
    """Held by every writing run (shared): LockHeld (exit 75) while maintenance runs."""
    return _held(con, MAINTENANCE, True, "maintenance is running on the team database; "
                 "the crawl starts again at the next cron tick")


def node_run(con: psycopg.Connection, node: str, command: str) -> Iterator[None]:
    """One `command` run per node name at a time, on any number of nodes."""
    return _held(con, f"{NODE_RUN}{node}:{command}", False,
                 f"another {command} runs as node {node!r}; give this process its own "
                 "name (--node or NEWSVAULT_NODE) or wait for that run to end")


@contextmanager
def discovery(con: psycopg.Connection, site: str) -> Iterator[bool]:
    """True (held) when this node may page `site`'s lists now; False when another node
    is doing it, in which case its finds reach the frontier anyway."""
    held = _try(con, DISCOVERY + site)
    try:
        yield held
    finally:
        if held:
            _unlock(con, DISCOVERY + site)
