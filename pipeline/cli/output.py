"""What the commands print: rows as a table, CSV or JSON lines; a progress bar."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import time
import unicodedata
from typing import Any


def print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
    elif fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False,
                             default=_json_default))
    else:
        cells = [[_cell(v, 60) for v in row] for row in rows]
        widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
        print("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip())
        for row in cells:
            print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def print_dicts(rows: list[dict[str, Any]]) -> None:
    """Rows given as dicts (status's sections), as a table."""
    print_rows(list(rows[0]), [tuple(r.values()) for r in rows], "table")


def note(text: str) -> None:
    print(f"newsvault: note: {text}", file=sys.stderr)


def _cell(value: Any, limit: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    text = str(value).replace("\n", " ") if limit else str(value)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


class Bar:
    """A progress bar on stderr: done/total, rate, ETA (redrawn at most 5 times a second)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.clock = time.monotonic
        self.started = self.clock()
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        left = (total - done) / rate if rate > 0 else 0.0
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        eta = f"{int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        print(f"\r{self.label} [{bar:<30}] {done}/{total} {rate:.1f}/s ETA {eta}", end="",
              file=sys.stderr, flush=True)
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            print(file=sys.stderr)
