"""A run's heartbeat in its own thread and connection: the run stays alive and its leases
renewed while the crawl's event loop or an extraction keeps the main thread busy (a
heartbeat on the event loop would stop while a long commit blocks it, and the run's
claims would lapse under it).  Each beat also looks for dead runs of other nodes
(pipeline.store.team.runs.interrupt_dead) and gives their leases back.

    with Heartbeat(settings.warehouse.path, run_id, settings.team.heartbeat,
                   settings.team.lease_ttl) as beat:
        ...                      # beat.lost: the run was found interrupted (it stalled)
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from types import TracebackType

import psycopg

from pipeline.config.settings import Settings
from pipeline.core.errors import WarehouseError
from pipeline.store.team import runs
from pipeline.store.team.connect import connect, first_line

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, uri: str, run_id: int, every: float, lease_ttl: float) -> None:
        self.uri, self.run_id, self.every, self.lease_ttl = uri, run_id, every, lease_ttl
        self.beats = 0
        self.lost = False  # the run was recorded interrupted meanwhile
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{run_id}",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.every + 10)

    def _run(self) -> None:
        con: psycopg.Connection | None = None
        while not self._stop.wait(self.every):
            try:
                if con is None or con.closed:
                    con = connect(self.uri, autocommit=True)
                with con.transaction():
                    alive = runs.heartbeat(con, self.run_id, self.lease_ttl)
                with con.transaction():  # apart: it locks other runs' rows
                    runs.interrupt_dead(con, self.lease_ttl)
                self.beats += 1
                if not alive and not self.lost:
                    self.lost = True
                    log.warning("run %s was recorded interrupted while it ran (it stalled "
                                "longer than team.lease_ttl); others may redo its items",
                                self.run_id)
            except (psycopg.Error, WarehouseError) as exc:  # the next beat tries again
                log.warning("heartbeat of run %s failed: %s", self.run_id, first_line(exc))
                if con is not None:
                    con.close()
                con = None
        if con is not None:
            con.close()


@contextlib.contextmanager
def run_heartbeat(settings: Settings, run_id: int) -> Iterator[None]:
    """Team mode: the run's Heartbeat while the block runs, renewing its claims' and
    work units' leases as it works or waits; the DuckDB file: nothing."""
    if not settings.team_mode():
        yield
        return
    with Heartbeat(settings.warehouse.path, run_id, settings.team.heartbeat,
                   settings.team.lease_ttl):
        yield
