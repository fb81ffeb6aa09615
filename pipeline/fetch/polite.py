"""Per-host politeness: spacing between request starts, requests in flight, back-off.

Each host gets a gate.  `async with gate:` waits for a free slot (concurrency) and for
the host's next start time (spacing), then books the following start.  A Retry-After
or a back-off pushes the host's next start time for every request to that host.

With a `Pacer` (team mode: several nodes crawl one site) the start times are booked with
it instead, so the configured spacing is the total over all nodes, not per process; the
crawl passes one in, and this package knows it only by this interface.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]


class Pacer(Protocol):
    """Start times of requests shared by every process crawling a host."""

    async def slot(self, key: str, interval: float) -> float:
        """Book the next start on `key`, `interval` after the previous one booked by
        anyone (or now, when that is later); the seconds to wait until it."""

    async def hold_off(self, key: str, seconds: float) -> None:
        """No booked start on `key` falls within `seconds` from now."""


class HostGate:
    def __init__(self, interval: float, concurrency: int, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep,
                 pacer: Pacer | None = None, key: str = "") -> None:
        self.interval = interval
        self._pacer = pacer
        self._key = key
        self._pushes: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._next = 0.0
        self._clock = clock
        self._sleep = sleep

    async def __aenter__(self) -> HostGate:
        await self._slots.acquire()
        try:
            async with self._lock:
                now = self._clock()
                start = max(now, self._next)  # this request's slot on the host's grid
                if start > now:
                    await self._sleep(start - now)
                if self._pacer is not None:  # the slot on the grid all nodes share
                    wait = await self._pacer.slot(self._key, self.interval)
                    if wait > 0:
                        await self._sleep(wait)
                else:
                    # the next slot follows this one, not the (later) moment we woke up, so
                    # sleep overshoot does not pile up and the configured rate is kept
                    self._next = start + self.interval
        except BaseException:
            self._slots.release()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self._slots.release()

    def hold_off(self, seconds: float) -> None:
        """No request to this host starts within `seconds` from now (from any node, with
        a pacer: the push reaches it in the background)."""
        self._next = max(self._next, self._clock() + seconds)
        if self._pacer is not None:
            task = asyncio.get_running_loop().create_task(
                self._pacer.hold_off(self._key, seconds))
            self._pushes.add(task)
            task.add_done_callback(self._pushes.discard)

    def slow_down(self, interval: float) -> None:
        self.interval = max(self.interval, interval)


def backoff(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random
            ) -> float:
    """Exponential back-off with full jitter in its upper half: base*2^attempt, capped."""
    ceiling = min(cap, base * (2 ** attempt))
    return ceiling / 2 + rng() * ceiling / 2


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
