"""Shared politeness: a host's request starts booked in PostgreSQL, over all nodes.

One row per host (or site gate) holds the next free start. Booking is one statement:

    next_at = greatest(next_at, clock_timestamp()) + interval   RETURNING ...

so concurrent bookings from any number of nodes queue on the row and each gets its own
slot, `interval` after the one before: the configured rate is the total. The wait is
computed by the server's clock and returned as a duration, so node clocks do not matter.
Implements pipeline.fetch.polite.Pacer; the database work runs in a thread so the event
loop keeps going.
"""

from __future__ import annotations

import asyncio
import threading

import psycopg

from pipeline.core.errors import WarehouseError
from pipeline.store.team.connect import connect, first_line

BOOK = """
INSERT INTO nv_ctl.hosts AS h (host, next_at)
VALUES (%(key)s, clock_timestamp() + make_interval(secs => %(interval)s))
ON CONFLICT (host) DO UPDATE
    SET next_at = greatest(h.next_at, clock_timestamp()) + make_interval(secs => %(interval)s)
RETURNING extract(epoch FROM h.next_at - clock_timestamp())::float8 - %(interval)s
"""
HOLD_OFF = """
INSERT INTO nv_ctl.hosts AS h (host, next_at)
VALUES (%(key)s, clock_timestamp() + make_interval(secs => %(seconds)s))
ON CONFLICT (host) DO UPDATE
    SET next_at = greatest(h.next_at, clock_timestamp() + make_interval(secs => %(seconds)s))
"""


class SharedPacer:
    """Books request starts in nv_ctl.hosts over its own connection (autocommit)."""

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._con: psycopg.Connection | None = None
        self._lock = threading.Lock()

    async def slot(self, key: str, interval: float) -> float:
        row = await asyncio.to_thread(self._run, BOOK, {"key": key, "interval": interval})
        return max(0.0, float(row[0])) if row else 0.0

    async def hold_off(self, key: str, seconds: float) -> None:
        await asyncio.to_thread(self._run, HOLD_OFF, {"key": key, "seconds": seconds})

    def _run(self, sql: str, params: dict) -> tuple | None:
        with self._lock:
            if self._con is None or self._con.closed:
                self._con = connect(self._uri, autocommit=True)
            try:
                cur = self._con.execute(sql, params)
                return cur.fetchone() if cur.description else None
            except psycopg.Error as exc:
                raise WarehouseError(f"booking a request slot in the team database failed: "
                                     f"{first_line(exc)}") from None

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
