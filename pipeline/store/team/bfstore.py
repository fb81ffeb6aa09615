"""TeamBackfill: the backfill's store in team mode, with the DuckDB file's BackfillStore
methods (pipeline.store.backfill), its work leased to the run in PostgreSQL.

    store = TeamBackfill(team_store, run_id, settings)
    for chunk in store.articles(sites, archives, refresh=False, ...):
        if not chunk:                # others hold work still: wait a moment, ask again
            ...

Each chunk the generators (`lists`, `lookups`, `articles`) yield is claimed for the run
(pipeline.store.team.bfwork): no other node gets those units while the run's lease
lives.  When nothing is left to claim but other runs hold units, they yield an empty
chunk: the caller records its own work (so its finished units are let go) and waits a
moment before asking again; a dead node's units come back when their lease lapses.
Which articles are stored already is the lake's to say (its `articles` view).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pipeline.core.records import Link
from pipeline.store.team import bfwork

if TYPE_CHECKING:
    from pipeline.config.settings import Settings
    from pipeline.store.team.store import TeamStore

WAIT_LEASES = 10  # a guard only: at most this many lease times waiting for other runs


class TeamBackfill:
    def __init__(self, store: TeamStore, run_id: int, settings: Settings,
                 chunk: int = 0) -> None:
        self.store, self.run_id = store, run_id
        self.control = store.control
        self.ttl = settings.team.lease_ttl
        self.tz = settings.warehouse.timezone
        self.chunk = chunk or max(4, settings.backfill.batch_size)
        self.patience = WAIT_LEASES * self.ttl
        self.waits = 0  # times a generator asked its caller to wait (for benchmarks)
        self.control._do(bfwork.sync_work)

    # index paging -------------------------------------------------------------------
    def cursor(self, query: str) -> Any:
        return self.store.backfill_cursor(query)

    def save_page(self, query: str, found: list[Any], position: str | None,
                  pages: int | None, done: bool, run_id: int) -> int:
        return self.store.save_backfill_page(query, found, position, pages, done, run_id)

    def turn(self, query: str) -> bool:
        return self.store.backfill_turn(query, self.run_id)

    # listed ids ---------------------------------------------------------------------
    def add_ids(self, links: list[Link], published: dict[str, dt.datetime | None]) -> None:
        if links:
            self.control._do(lambda con: bfwork.add_ids(con, links, published))

    def refused(self, sites: list[str]) -> list[tuple[Any, ...]]:
        """(article_id, site, kind, url, title, published_at) of what the sites refused:
        articles the lake holds from feed text only, and blocked items not stored."""
        feed = self._lake_rows("SELECT article_id, site, kind, url, title, published_at "
                               "FROM articles WHERE status = 'feed' "
                               "AND list_contains(?, site)", [sites])
        blocked = self.control._do(lambda con: bfwork.refused_frontier(con, sites))
        stored = set(self._current([r[0] for r in blocked]))
        return feed + [r for r in blocked if r[0] not in stored]

    def lookups(self, sites: list[str], refresh: bool) -> Iterator[list[dict[str, Any]]]:
        params = {"sites": sites}
        for ids in self._claims("lookup", params):
            keep = sorted(set(ids) if refresh else set(ids) - self.stored(ids))
            self._finish("lookup", [i for i in ids if i not in keep])
            if keep or not ids:  # an empty chunk: wait
                yield self.control._do(lambda con, k=keep: bfwork.lookup_rows(con, k))
            # the caller is done with the chunk (`looked_up` marked what it answered): a
            # look-up an index could not answer is let go too, for the next run
            self._finish("lookup", keep)

    def looked_up(self, ids: list[str]) -> None:
        self.control._do(lambda con: bfwork.looked_up(con, ids, self.run_id))

    def stored(self, ids: list[str]) -> set[str]:
        """Which of the ids the lake holds as articles (from a page, not feed text only)."""
        return {a for a, (status, _) in self._current(ids).items()
                if (status or "ok") != "feed"}

    def _current(self, ids: list[str]) -> dict[str, tuple[str | None, Any]]:
        """(status, published_at) of the ids' current article states: what the lake's
        `articles` view shows, read off `article_states` (the view ranks every state of
        every article first: twice the time)."""
        latest: dict[str, tuple[Any, ...]] = {}
        for row in self._lake_rows(
                "SELECT article_id, stored_at, fetched_at, capture_id, status, published_at "
                "FROM article_states WHERE list_contains(?, article_id)", [ids]):
            rank = tuple((v is not None, v) for v in row[1:4])
            if row[0] not in latest or rank > latest[row[0]][0]:
                latest[row[0]] = (rank, row[4], row[5])
        return {a: (status, published) for a, (_, status, published) in latest.items()}

    # work ----------------------------------------------------------------------------
    def lists(self, sites: list[str], archives: list[str], max_attempts: int
              ) -> Iterator[list[dict[str, Any]]]:
        params = {"sites": sites, "archives": archives, "max": max_attempts, "tz": self.tz}
        for vias in self._claims("list", params):
            yield self.control._do(lambda con, v=vias: bfwork.list_rows(con, v))

    def articles(self, sites: list[str], archives: list[str], *, refresh: bool, refused: bool,
                 max_attempts: int, candidates: int) -> Iterator[list[dict[str, Any]]]:
        """Chunks of article ids claimed for the run, each with its captures to try,
        best first (as the file's backfill_next); an empty chunk: wait, then go on."""
        params = self._article_params(sites, archives, refresh, refused, max_attempts)
        for ids in self._claims("article", params):
            if not ids:
                yield []
                continue
            known = self._current(ids)
            done = {a for a, (status, _) in known.items() if (status or "ok") != "feed"}
            work = sorted(set(ids) if refresh else set(ids) - done)
            self._finish("article", [i for i in ids if i not in work])
            rows = self.control._do(lambda con, w=work: bfwork.index_rows(
                con, w, archives, refresh, max_attempts))
            published = {a: when for a, (_, when) in known.items()}
            chosen = _choose(rows, published, candidates)
            self._finish("article", [i for i in work if i not in {c["article_id"]
                                                                  for c in chosen}])
            if chosen:
                yield chosen

    def count_articles(self, sites: list[str], archives: list[str], *, refresh: bool,
                       refused: bool) -> int:
        params = self._article_params(sites, archives, refresh, refused, 1 << 30)
        return self.control._do(lambda con: bfwork.count_articles(con, params))

    # helpers ---------------------------------------------------------------------------
    def _article_params(self, sites: list[str], archives: list[str], refresh: bool,
                        refused: bool, max_attempts: int) -> dict[str, Any]:
        only = [r[0] for r in self.refused(sites)] if refused else []
        return {"sites": sites, "archives": archives, "refresh": refresh,
                "refused": refused, "only": only, "max": max_attempts}

    def _claims(self, kind: str, params: dict[str, Any]) -> Iterator[list[str]]:
        """Chunks of units claimed for the run; [] while others hold units (the caller
        waits), until nothing is left and nobody holds any (or patience ran out).  Claims
        go on after the last key claimed (units are claimed in key order, so none is
        passed over twice); from the start again only when nothing is left after it
        (a dead node's lapsed units, before)."""
        deadline: float | None = None
        after = ""
        while True:
            ids = self.control._do(lambda con, a=after: bfwork.claim(
                con, kind, self.run_id, self.ttl, self.chunk, params, a))
            if ids:
                deadline, after = None, ids[-1]
                yield ids
                continue
            if after:
                after = ""
                continue
            held = self.control._do(lambda con: bfwork.held_elsewhere(
                con, kind, self.run_id, params))
            if not held:
                return
            deadline = deadline or time.monotonic() + self.patience
            if time.monotonic() > deadline:
                return
            self.waits += 1
            yield []

    def _finish(self, kind: str, keys: list[str]) -> None:
        if keys:
            self.control._do(lambda con: bfwork.finish(con, [(kind, k) for k in keys],
                                                       self.run_id))

    def _lake_rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if isinstance(params[0], list) and not params[0]:
            return []
        lake: Any = self.store.archive
        return lake.con.execute(sql, params).fetchall()



def _choose(rows: list[dict[str, Any]], published: dict[str, Any],
            candidates: int) -> list[dict[str, Any]]:
    """Per article, up to `candidates` captures, best first: the first at or after
    publication (the time a list showed it, else the stored article's), else the
    latest before it; without a publication time the earliest; Wayback before Common
    Crawl, then by via."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_id.setdefault(row["article_id"], []).append(row)
    out = []
    for article_id, found in sorted(by_id.items()):
        when = found[0]["listed"] or _time(published.get(article_id))
        ranked = sorted(found, key=_rank(when))
        out.append({"article_id": article_id, "site": found[0]["site"],
                    "kind": found[0]["kind"],
                    "captures": [{k: r[k] for k in ("archive", "url", "captured_at", "via",
                                                    "filename", "offset", "length")}
                                 for r in ranked[:candidates]]})
    return out


def _rank(when: dt.datetime | None) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        at = row["captured_at"].timestamp()
        pivot = when.timestamp() if when is not None else at
        after = at >= pivot
        return (not after, at if after else -at, row["archive"] != "wayback", row["via"])
    return key


def _time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
