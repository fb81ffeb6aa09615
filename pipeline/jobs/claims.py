"""A site's pending items for the crawl's workers, claimed in chunks.

    claims = Claims(store, "163", owner=str(run_id), limit=500, chunk=20, lease_seconds=120)
    while (item := claims.next()) is not None:
        ...

In team mode each chunk is leased in PostgreSQL (FOR UPDATE SKIP LOCKED), so several
nodes share one backlog and none fetches an item another holds; claiming a chunk at a
time, not the whole backlog, leaves the rest to the other nodes and little to wait for
when a node dies. The DuckDB file's claim is simply its pending items: one chunk as big
as the run's limit reads them all, as before.

An item is handed out once per run: one that failed and is pending again waits for the
next run (a claim that brings it back keeps it leased until the run releases its claims).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from pipeline.store.interfaces import ControlState, WorkItem


class Claims:
    def __init__(self, store: ControlState, site: str, owner: str, *, limit: int,
                 chunk: int, lease_seconds: float,
                 on_claim: Callable[[list[WorkItem]], None] | None = None) -> None:
        self.store = store
        self.site = site
        self.owner = owner
        self.limit = limit
        self.chunk = max(1, chunk)
        self.lease_seconds = lease_seconds
        self.on_claim = on_claim
        self.handed: set[str] = set()
        self.claims = 0  # claim calls made
        self._buffer: deque[WorkItem] = deque()
        self._exhausted = False

    def next(self) -> WorkItem | None:
        """The next item to fetch, claiming a chunk when none is left in hand; None when
        the site has nothing more for this run (or the run's limit is reached)."""
        if not self._buffer and not self._refill():
            return None
        return self._buffer.popleft()

    def untried(self) -> list[WorkItem]:
        """Every item the run would still have fetched (the site was left for the run):
        those in hand and the rest up to the limit, claimed now; the run's end gives
        their claims back."""
        left = []
        while (item := self.next()) is not None:
            left.append(item)
        return left

    def _refill(self) -> bool:
        returned: set[str] = set()  # rows this refill saw: the same again means no more
        while not self._exhausted:
            left = self.limit - len(self.handed)
            if left <= 0:
                break
            rows = self.store.claim(self.site, self.owner, min(self.chunk, left),
                                    self.lease_seconds)
            self.claims += 1
            ids = {row["article_id"] for row in rows}
            if not rows or ids <= returned:
                break
            returned |= ids
            fresh = [row for row in rows if row["article_id"] not in self.handed]
            if fresh:
                self.handed.update(row["article_id"] for row in fresh)
                self._buffer.extend(fresh)
                if self.on_claim is not None:
                    self.on_claim(fresh)
                return True
        self._exhausted = True
        return False
