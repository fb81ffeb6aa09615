"""The spool: a crawl's batches kept outside the warehouse while another process holds it.

DuckDB allows one writer process or many readers.  When an analyst's session (or a long
`newsvault sql`) holds the file, a crawl waits `warehouse.lock_wait` seconds; if the file
is still held by readers it opens it read-only and runs on, writing each batch (and its
run record) as a JSON file here instead: written to a temporary name, synced, renamed.
The next run that gets the file merges the files in order, each in one transaction
together with its name in `spool_merged`, so a file is merged exactly once even if that
run is killed midway; merged files are deleted.

While spooling, "known" and "pending" are the warehouse's (read-only) answers corrected
by what the spool already holds, so nothing is fetched twice.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core.errors import WriteError
from pipeline.core.records import Article, Link, utcnow
from pipeline.store.warehouse import Batch, BatchResult, CaptureRow, Warehouse


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seq = 0

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []

    def write(self, run_id: int, kind: str, payload: dict[str, Any]) -> Path:
        self._seq += 1
        path = self.folder / f"{run_id:014d}-{self._seq:05d}-{kind}.json"
        tmp = path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tmp.open("w", encoding="utf-8") as fh:
                json.dump({"kind": kind, "run_id": run_id, **payload}, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _sync_dir(self.folder)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise WriteError(f"cannot write the spool {self.folder}: {exc.strerror or exc}; "
                             "free space (warehouse.spool_dir), then run again") from None
        return path

    def records(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in self.files():
            yield path, json.loads(path.read_text(encoding="utf-8"))

    def summary(self) -> dict[str, Any]:
        """What waits to be merged, for `newsvault status`."""
        batches = articles = 0
        runs: set[int] = set()
        for _, data in self.records():
            runs.add(data["run_id"])
            if data["kind"] == "batch":
                batches += 1
                articles += len(data["articles"])
        return {"spool": str(self.folder), "files": len(self.files()), "runs": len(runs),
                "batches": batches, "articles": articles}


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------------ (de)serialising

def encode_batch(batch: Batch) -> dict[str, Any]:
    return {
        "captures": [_plain(dataclasses.asdict(c)) for c in batch.captures],
        "bodies": [[sha, base64.b64encode(raw).decode("ascii")] for sha, raw in batch.bodies],
        "articles": [[_plain(a.to_dict()), cid, at.isoformat()] for a, cid, at in batch.articles],
        "done": [list(d) for d in batch.done],
        "links": [_link(link) for link in batch.links],
        "feeds": [[_link(link), cid] for link, cid in batch.feeds],
        "cooldowns": [[site, since.isoformat(), until.isoformat(), why]
                      for site, since, until, why in batch.cooldowns],
        "listed": [list(x) for x in batch.listed],
    }


def decode_batch(data: dict[str, Any]) -> Batch:
    captures = []
    for row in data["captures"]:
        row["fetched_at"] = dt.datetime.fromisoformat(row["fetched_at"])
        captures.append(CaptureRow(**row))
    return Batch(
        captures=captures,
        bodies=[(sha, base64.b64decode(raw)) for sha, raw in data["bodies"]],
        articles=[(Article(**a), cid, dt.datetime.fromisoformat(at))
                  for a, cid, at in data["articles"]],
        done=[tuple(d) for d in data["done"]],  # type: ignore[misc]
        links=[_unlink(ln) for ln in data["links"]],
        listed=[(site, name, aid) for site, name, aid in data.get("listed", [])],
        feeds=[(_unlink(ln), cid) for ln, cid in data.get("feeds", [])],
        cooldowns=[(site, dt.datetime.fromisoformat(since), dt.datetime.fromisoformat(until),
                    why) for site, since, until, why in data.get("cooldowns", [])])


def _unlink(data: dict[str, Any]) -> Link:
    return Link(**{**data, "record": Article(**data["record"]) if data["record"] else None})


def _link(link: Link) -> dict[str, Any]:
    data = dataclasses.asdict(link)
    return _plain(data)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in data.items()}


# ---------------------------------------------------------------------------- merging

def merge(warehouse: Warehouse, spool: Spool) -> int:
    """Apply every spooled file to the warehouse, oldest first; returns files merged."""
    done = {row[0] for row in warehouse.con.execute("SELECT name FROM spool_merged").fetchall()}
    merged = 0
    for path, data in spool.records():
        if path.name not in done:
            with warehouse.transaction():
                _apply(warehouse, data)
                warehouse.con.execute("INSERT INTO spool_merged (name, merged_at) VALUES (?, ?)",
                                      [path.name, utcnow()])
            merged += 1
        path.unlink()
    return merged


def _apply(warehouse: Warehouse, data: dict[str, Any]) -> None:
    run_id = data["run_id"]
    if data["kind"] == "run-start":
        warehouse.start_run(run_id, data["sites"], data["host"], data["pid"],
                            data["config_digest"], data["command"])
    elif data["kind"] == "run-finish":
        warehouse.finish_run(run_id, data["outcome"], data["exit_code"], data["summary"],
                             data["sites"], [tuple(c) for c in data["counters"]],
                             data.get("error"), data.get("error_detail"))
    elif data["kind"] == "health":
        warehouse.write_health(run_id, data["rows"])
    elif data["kind"] == "batch":
        warehouse.write_batch(decode_batch(data), run_id, data["max_attempts"], data["reason"])


# ------------------------------------------------------------------- the spooling warehouse

class SpoolingWarehouse:
    """A read-only warehouse plus the spool: reads merge both, writes go to the spool."""

    read_only = False

    def __init__(self, reader: Warehouse, spool: Spool) -> None:
        self.reader = reader
        self.spool = spool
        self.settings = reader.settings
        self.con = reader.con
        self.links: dict[str, dict[str, Any]] = {}   # spooled frontier items
        self.states: dict[str, str] = {}             # spooled frontier states
        self.hashes: dict[str, str] = {}             # spooled article content hashes
        self.feeds: dict[str, dict[str, Any]] = {}   # spooled feed texts
        self.cooldowns: dict[str, tuple[dt.datetime, str]] = {}  # spooled cooldowns
        self.listed: dict[tuple[str, str, str], int] = {}  # (site, list, id) -> first run
        self.last_run = 0
        for _, data in spool.records():
            self._index(data)

    def _index(self, data: dict[str, Any]) -> None:
        self.last_run = max(self.last_run, data["run_id"])
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

    # reads --------------------------------------------------------------------------
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

    def pending_counts(self) -> dict[str, int]:
        rows = self.reader.con.execute(
            "SELECT article_id, site FROM frontier WHERE state = 'pending'").fetchall()
        pending = {aid: site for aid, site in rows
                   if self.states.get(aid, "pending") == "pending"}
        for article_id, state in self.states.items():
            if state == "pending" and article_id in self.links:
                pending.setdefault(article_id, self.links[article_id]["site"])
        return dict(Counter(pending.values()))

    def query(self, name: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.reader.query(name, params)

    def cooldown(self, site: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        spooled = self.cooldowns.get(site)
        if spooled is not None and spooled[0] > now:
            return spooled
        try:
            return self.reader.cooldown(site, now)
        except duckdb.Error:  # a warehouse older than the cooldowns (0009)
            return None

    def feed_item(self, article_id: str) -> dict[str, Any] | None:
        if article_id in self.feeds:
            return self.feeds[article_id]
        try:
            return self.reader.feed_item(article_id)
        except duckdb.Error:
            return None

    def new_run_id(self) -> int:
        return max(self.reader.new_run_id(), self.last_run + 1)

    # writes -------------------------------------------------------------------------
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

    @contextlib.contextmanager
    def writing(self, wait: bool = True) -> Iterator[SpoolingWarehouse]:
        yield self

    reading = hold = transaction = writing

    def write_health(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.spool.write(run_id, "health", {"rows": rows})

    def requeue_refetch(self, *args: Any, **kwargs: Any) -> None:
        """Re-fetches wait for a run that can write the warehouse."""

    def write_batch(self, batch: Batch, run_id: int, max_attempts: int,
                    reason: str = "refetch") -> BatchResult:
        result = BatchResult()
        stored = dict(self.reader.con.execute(
            "SELECT article_id, content_hash FROM articles WHERE article_id IN "
            "(SELECT unnest($ids))", {"ids": [a.article_id for a, _, _ in batch.articles]}
        ).fetchall()) if batch.articles else {}
        for article, _, _ in batch.articles:
            before = self.hashes.get(article.article_id or "", stored.get(article.article_id))
            result.states[article.article_id or ""] = (
                "new" if before is None
                else "unchanged" if before == article.content_hash else "updated")
        data = {"max_attempts": max_attempts, "reason": reason, **encode_batch(batch)}
        self.spool.write(run_id, "batch", data)
        self._index({"kind": "batch", "run_id": run_id, **data})
        return result

    def close(self) -> None:
        self.reader.close()
