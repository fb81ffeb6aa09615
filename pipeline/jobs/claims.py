"""A site's pending items for the crawl's workers, claimed in chunks.

    claims = Claims(store, "163", owner=str(run_id), limit=500, chunk=20, lease_seconds=120)
    while (item := await claims.next()) is not None:
        ...

In team mode each chunk is leased in PostgreSQL (FOR UPDATE SKIP LOCKED), so several
nodes share one backlog and none fetches an item another holds; claiming a chunk at a
time, not the whole backlog, leaves the rest to the other nodes.  When nothing is left
to claim but other nodes still hold live claims on the site, the run waits (polling
every `poll`; `patience` seconds at most, a guard only): their items are either done or,
if their node died, back in the pool (as soon as a claim or a heartbeat finds its run
dead, pipeline.store.team.runs; at the lease expiry at worst), and then fetched here.
So when the runs of a site are over, its backlog is.  Before waiting, the run records
what it has done (`before_wait`), so its own finished items hold nobody up.  The DuckDB
file's claim is simply its pending items: one chunk as big as the run's limit reads them
all, as before.

An item is handed out once per run: one that failed and is pending again waits for the
next run.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from pipeline.store.interfaces import ControlState, WorkItem


class Claims:
    def __init__(self, store: ControlState, site: str, owner: str, *, limit: int,
                 chunk: int, lease_seconds: float, patience: float = 0.0, poll: float = 1.0,
                 on_claim: Callable[[list[WorkItem]], None] | None = None,
                 before_wait: Callable[[], None] | None = None) -> None:
        self.store = store
        self.site = site
        self.owner = owner
        self.limit = limit
        self.chunk = max(1, chunk)
        self.lease_seconds = lease_seconds
        self.patience = patience
        self.poll = poll
        self.on_claim = on_claim
        self.before_wait = before_wait  # records this run's outcomes: its claims end
        self.handed: set[str] = set()
        self.claims = 0  # claim calls made
        self.waited = 0.0  # seconds spent waiting for other nodes' claims (wall time)
        self._buffer: deque[WorkItem] = deque()
        self._exhausted = False
        self._lock = asyncio.Lock()

    async def next(self) -> WorkItem | None:
        """The next item to fetch, claiming a chunk when none is left in hand; None when
        the site has nothing more for this run (or the run's limit is reached)."""
        async with self._lock:
            if not self._buffer and not await self._refill():
                return None
            return self._buffer.popleft()

    async def untried(self) -> list[WorkItem]:
        """Every item the run would still have fetched (the site was left for the run):
        those in hand and the rest up to the limit, claimed now without waiting; the
        run's end gives their claims back."""
        self.patience = 0.0
        left = []
        while (item := await self.next()) is not None:
            left.append(item)
        return left

    async def _refill(self) -> bool:
        began = time.monotonic()
        waiting = False
        returned: set[str] = set()  # rows this refill saw: the same again means no more
        try:
            while not self._exhausted and self.limit > len(self.handed):
                got = self._claim(returned)
                if got is True:
                    return True
                if got is None:  # only items handed out already (now ours again): go on
                    continue
                if time.monotonic() >= began + self.patience:
                    break
                if self.before_wait is not None:
                    self.before_wait()  # else two nodes could wait for each other's claims
                if not self.store.claimed_elsewhere(self.site, self.owner):
                    break
                waiting = True
                await asyncio.sleep(self.poll)  # others' claims: done soon, or lapsing
            self._exhausted = True
            return False
        finally:
            if waiting:
                self.waited += time.monotonic() - began

    def _claim(self, returned: set[str]) -> bool | None:
        """True: fresh items in hand; False: nothing claimable; None: the claim brought
        only items this run has handed out already (its own lapsed claims), so claiming
        again goes further down the backlog (in the DuckDB file, where a claim brings the
        same pending rows again, that is False)."""
        left = self.limit - len(self.handed)
        rows = self.store.claim(self.site, self.owner, min(self.chunk, left),
                                self.lease_seconds)
        self.claims += 1
        ids = {row["article_id"] for row in rows}
        if not rows or ids <= returned:
            return False
        returned |= ids
        fresh = [row for row in rows if row["article_id"] not in self.handed]
        if not fresh:
            return None
        self.handed.update(row["article_id"] for row in fresh)
        self._buffer.extend(fresh)
        if self.on_claim is not None:
            self.on_claim(fresh)
        return True
