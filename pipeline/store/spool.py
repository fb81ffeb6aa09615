"""The spool: a crawl's batches kept outside the warehouse while another process holds it.

DuckDB allows one writer process or many readers.  When an analyst's session (or a long
`newsvault sql`) holds the file, a crawl waits `warehouse.lock_wait` seconds; if the file
is still held by readers it opens it read-only and runs on, writing each batch (and its
run record) as a JSON file here instead: written to a temporary name, synced, renamed.
The next run that gets the file merges the files in order, each in one transaction
together with its name in `spool_merged`, so a file is merged exactly once even if that
run is killed midway; merged files are deleted (pipeline.store.spoolfiles).

While spooling, "known" and "pending" are the warehouse's (read-only) answers corrected
by what the spool already holds, so nothing is fetched twice.  `SpoolingWarehouse`
implements the same interfaces as the warehouse (pipeline.store.interfaces.Store).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pipeline.core.errors import WarehouseBusy, WarehouseError
from pipeline.core.records import Article, Link
from pipeline.store.interfaces import ArchiveData
from pipeline.store.lock import RunLock
from pipeline.store.records import (
    Batch,
    BatchResult,
    ClusterRule,
    Cursor,
    Found,
    IndexStatus,
    Segmented,
    TermRow,
)
from pipeline.store.spoolfiles import Spool, encode_batch, encode_found, merge
from pipeline.store.warehouse import Warehouse
from pipeline.store.workunits import OneUnit

__all__ = ["Spool", "SpoolingWarehouse", "merge"]
NOT_MERGED = ("the term index is written once the spool is merged: run `newsvault terms` "
              "after the next run")


class SpoolingWarehouse(OneUnit):
    """A read-only warehouse plus the spool: reads merge both, writes go to the spool."""

    read_only = False

    def __init__(self, reader: Warehouse, spool: Spool) -> None:
        self.reader = reader
        self.spool = spool
        self.settings = reader.settings
        self.after_store: Callable[[ArchiveData, list[str]], None] | None = None
        self.links: dict[str, dict[str, Any]] = {}   # spooled frontier items
        self.states: dict[str, str] = {}             # spooled frontier states
        self.hashes: dict[str, str] = {}             # spooled article content hashes
        self.feeds: dict[str, dict[str, Any]] = {}   # spooled feed texts
        self.cooldowns: dict[str, tuple[dt.datetime, str]] = {}  # spooled cooldowns
        self.listed: dict[tuple[str, str, str], int] = {}  # (site, list, id) -> first run
        self.cursors: dict[str, Cursor] = {}         # spooled backfill positions
        self.last_run = 0
        for _, data in spool.records():
            self._index(data)

    def _index(self, data: dict[str, Any]) -> None:
        self.last_run = max(self.last_run, data["run_id"])
        if data["kind"] == "backfill-page":
            self.cursors[data["query"]] = Cursor(data["position"], data["pages"], data["done"])
        if data["kind"] != "batch":
            return
        for link in data["links"]:
            self.links.setdefault(link["article_id"], link)
            self.states.setdefault(link["article_id"],
                                   "done" if link["record"] else "pending")
        for article, _, _ in data["articles"]:
            self.hashes[article["article_id"]] = Article(**article).content_hash
        for article_id, state, _ in data["done"]:
            self.states[article_id] = "pending" if state in ("retry", "refused") else state
        for link, capture_id in data.get("feeds", []):
            self.feeds.setdefault(link["article_id"], {
                "url": link["url"], "title": link["title"], "published_at": link["published_at"],
                "content": link["feed_text"], "capture_id": capture_id,
                "list_name": link["list_name"]})
        for site, _since, until, why in data.get("cooldowns", []):
            self.cooldowns[site] = (dt.datetime.fromisoformat(until), why)
        for site, name, article_id in data.get("listed", []):
            self.listed.setdefault((site, name, article_id), data["run_id"])

    # the frontier: the warehouse's answers corrected by the spool --------------------
    def known(self, ids: list[str]) -> set[str]:
        return self.reader.known(ids) | {i for i in ids if i in self.links or i in self.hashes}

    def list_seen(self, site: str, list_name: str) -> bool:
        return self.reader.list_seen(site, list_name) or any(
            key[:2] == (site, list_name) for key in self.listed)

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        spooled = {i for i in ids if self.listed.get((site, list_name, i), horizon) < horizon}
        return self.reader.known_before(site, list_name, ids, horizon) | spooled

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        """Gaps recorded by spooled runs count once merged."""
        return self.reader.open_gap(site, list_name)

    def pending(self, site: str, limit: int) -> list[dict[str, Any]]:
        items = [i for i in self.reader.pending(site, limit)
                 if self.states.get(i["article_id"], "pending") == "pending"]
        seen = {i["article_id"] for i in items}
        for article_id, link in self.links.items():
            if (link["site"] == site and article_id not in seen
                    and self.states.get(article_id) == "pending"):
                items.append({"article_id": article_id, "url": link["url"], "kind": link["kind"],
                              "list_name": link["list_name"], "title": link["title"],
                              "attempts": 0, "refetches": 0})
        return items[:limit]

    def claim(self, site: str, owner: str, limit: int,
              lease_seconds: float) -> list[dict[str, Any]]:
        """The run lock is held: the pending items are this run's."""
        return self.pending(site, limit)

    def release(self, owner: str) -> None:
        """Nothing is leased."""

    def claimed_elsewhere(self, site: str, owner: str) -> int:
        """One writer: nobody else holds a claim."""
        return 0

    def pending_counts(self) -> dict[str, int]:
        pending = {aid: site for aid, site in self.reader.pending_sites().items()
                   if self.states.get(aid, "pending") == "pending"}
        for article_id, state in self.states.items():
            if state == "pending" and article_id in self.links:
                pending.setdefault(article_id, self.links[article_id]["site"])
        return dict(Counter(pending.values()))

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        spooled = self.cooldowns.get(site)
        if spooled is not None and spooled[0] > now:
            return spooled
        try:
            return self.reader.cooldown(site, now)
        except WarehouseError:  # a warehouse older than the cooldowns (0009)
            return None

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        if article_id in self.feeds:
            return self.feeds[article_id]
        try:
            return self.reader.feed_item(article_id)
        except WarehouseError:
            return None

    def backfill_cursor(self, query: str) -> Cursor | None:
        return self.cursors.get(query) or self.reader.backfill_cursor(query)

    def backfill_turn(self, query: str, run_id: int) -> bool:
        return True  # one writer pages everything

    # runs ----------------------------------------------------------------------------
    def new_run_id(self) -> int:
        return max(self.reader.new_run_id(), self.last_run + 1)

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        self.spool.write(run_id, "run-start", {"sites": sites, "host": host, "pid": pid,
                                               "config_digest": config_digest,
                                               "command": command})

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        self.spool.write(run_id, "run-finish", {
            "outcome": outcome, "exit_code": exit_code, "summary": summary + " (spooled)",
            "sites": sites, "counters": [list(c) for c in counters], "error": error,
            "error_detail": error_detail})

    def set_progress(self, run_id: int, progress: str) -> None:
        """Progress is not spooled: `newsvault status` shows the spool instead."""

    def heartbeat(self, run_id: int) -> None:
        """Nothing leased, nothing to renew."""

    def run_lock(self, command: str) -> RunLock:
        return self.reader.run_lock(command)

    def discovery(self, site: str) -> contextlib.AbstractContextManager[bool]:
        """One writer: its run pages every list."""
        return contextlib.nullcontext(True)

    # writes: into the spool ----------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[SpoolingWarehouse]:
        yield self

    reading = hold = writing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Each spool file is written whole (renamed into place) or not at all."""
        yield

    def spooled_to(self) -> str | None:
        return str(self.spool.folder)

    def requeue_refetch(self, site: str, now: dt.datetime, fetched_before: dt.datetime,
                        published_after: dt.datetime, max_refetches: int) -> None:
        """Re-fetches wait for a run that can write the warehouse."""

    def add_links(self, links: Sequence[Link], run_id: int) -> None:
        self.write_batch(Batch(links=list(links)), run_id, 1)

    def record_outcomes(self, done: Sequence[tuple[str, str, str | None]], run_id: int,
                        max_attempts: int) -> None:
        self.write_batch(Batch(done=list(done)), run_id, max_attempts)

    def record_frontier(self, batch: Batch, run_id: int, max_attempts: int) -> None:
        self.write_batch(Batch(links=batch.links, listed=batch.listed, feeds=batch.feeds,
                               cooldowns=batch.cooldowns, done=batch.done),
                         run_id, max_attempts)

    def write_archive(self, batch: Batch, run_id: int, reason: str = "refetch"
                      ) -> BatchResult:
        return self.write_batch(Batch(captures=batch.captures, bodies=batch.bodies,
                                      articles=batch.articles), run_id, 1, reason)

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        result = BatchResult()
        stored = self.reader.stored_hashes([a.article_id or "" for a, _, _ in batch.articles])
        for article, _, _ in batch.articles:
            key = article.article_id or ""
            result.add(key, self.hashes.get(key, stored.get(key)), article.content_hash)
        data = {"max_attempts": max_attempts, "reason": reason, **encode_batch(batch)}
        self.spool.write(run_id, "batch", data)
        self._index({"kind": "batch", "run_id": run_id, **data})
        return result

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.spool.write(run_id, "health", {"rows": rows})

    def save_backfill_page(self, query: str, found: list[Found], position: str | None,
                           pages: int | None, done: bool, run_id: int) -> int:
        """Spooled; returns the rows not indexed in the warehouse yet (an estimate: the
        merge inserts each row once)."""
        data = {"query": query, "found": [encode_found(f) for f in found],
                "position": position, "pages": pages, "done": done}
        self.spool.write(run_id, "backfill-page", data)
        self._index({"kind": "backfill-page", "run_id": run_id, **data})
        return len(found)

    # archive reads: the warehouse's ---------------------------------------------------
    def revisits(self, urls: list[str]) -> list[tuple[Any, ...]]:
        return self.reader.revisits(urls)

    def stored_body(self, sha256: str) -> bytes | None:
        return self.reader.stored_body(sha256)

    def reextract_candidates(self, site: str | None, since: dt.datetime | None,
                             everything: bool, version: str, first: str | None = None,
                             last: str | None = None) -> list[dict[str, Any]]:
        return self.reader.reextract_candidates(site, since, everything, version, first, last)

    def term_rows(self, ids: Sequence[str]) -> list[TermRow]:
        return self.reader.term_rows(ids)

    def term_status(self, version: str) -> IndexStatus:
        return self.reader.term_status(version)

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]:
        return self.reader.term_ids(terms)

    def write_terms(self, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        raise WarehouseBusy(f"the warehouse is held by readers: {NOT_MERGED}")

    def recount_terms(self) -> int:
        raise WarehouseBusy(f"the warehouse is held by readers: {NOT_MERGED}")

    def close(self) -> None:
        self.reader.close()
