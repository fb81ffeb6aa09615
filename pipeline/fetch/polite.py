"""Per-host politeness: spacing between request starts, requests in flight, back-off.

Each host gets a gate.  `async with gate:` waits for a free slot (concurrency) and for
the host's next start time (spacing), then books the following start.  A Retry-After
or a back-off pushes the host's next start time for every request to that host.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from types import TracebackType

Sleep = Callable[[float], Awaitable[None]]


class HostGate:
    def __init__(self, interval: float, concurrency: int, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.interval = interval
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
        """No request to this host starts within `seconds` from now."""
        self._next = max(self._next, self._clock() + seconds)

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
