"""The spool's files: a run's work written as JSON while readers hold the warehouse,
and merged into it by the next run that gets the file (see pipeline.store.spool)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.core.errors import WriteError
from pipeline.core.records import Article, Link, utcnow
from pipeline.discover.archives import IndexRow
from pipeline.store.records import Batch, CaptureRow, Found
from pipeline.store.warehouse import Warehouse


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
        done=[(aid, state, error) for aid, state, error in data["done"]],
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
    elif data["kind"] == "backfill-page":
        warehouse.save_backfill_page(data["query"], [_unfound(f) for f in data["found"]],
                                     data["position"], data["pages"], data["done"], run_id)




def encode_found(found: Found) -> dict[str, Any]:
    return {"site": found.site, "kind": found.kind, "article_id": found.article_id,
            "row": _plain(dataclasses.asdict(found.row))}


def _unfound(data: dict[str, Any]) -> Found:
    row = {**data["row"], "captured_at": dt.datetime.fromisoformat(data["row"]["captured_at"])}
    return Found(data["site"], data["kind"], data["article_id"], IndexRow(**row))
