"""A capture as it was archived: its WARC record read back and decoded for display.

The record is read with pipeline.archive.reader at the offset its `captures` row names;
a revisit record (the payload identical to an earlier capture of the URL) carries no
payload, so the bytes come from the capture it refers to.  The payload is decoded by
pipeline.page.decode, the crawl's own decoder, and the rule that decided is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.archive.reader import Record, read_at, resolve
from pipeline.config.settings import Settings
from pipeline.page.decode import decode
from pipeline.store.browse import Browse

SHOWN_AS_HTML = ("text/html", "application/xhtml+xml")


@dataclass
class Archived:
    """What the capture page shows beside the row: the record and the decoded payload."""

    warc_headers: list[tuple[str, str]] = field(default_factory=list)
    http_status: int | None = None
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    text: str | None = None
    encoding: str | None = None
    decode_rule: str | None = None
    payload_from: int | None = None  # the capture whose payload is shown (a revisit's)
    payload_bytes: int = 0

    @property
    def html(self) -> bool:
        kind = (self.content_type or "").split(";")[0].strip().lower()
        return kind in SHOWN_AS_HTML or (not kind and (self.text or "").lstrip()[:1] == "<")


def rows(browse: Browse, capture_id: int) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The capture's row and, for a revisit, the row of the capture it repeats."""
    row = browse.capture(capture_id)
    if row is None:
        return None
    original = None
    if row.get("record_type") == "revisit" and row.get("refers_to") is not None:
        original = browse.capture(int(row["refers_to"]))
    return row, original


def archived(settings: Settings, row: dict[str, Any], original: dict[str, Any] | None
             ) -> Archived | None:
    """The capture's record and payload (a revisit's from `original`), or None when it
    archived nothing (a failure without a response).  ArchiveDamaged or UsageError when
    the file is damaged or gone.  Reads files only: call it after the read window."""
    if not row.get("warc_file") or row.get("warc_offset") is None:
        return None
    record = _read(settings, row)
    shown = Archived(warc_headers=record.warc_headers, payload_from=row["capture_id"])
    source = record
    if record.type == "revisit" and original is not None and original.get("warc_file"):
        source = _read(settings, original)
        shown.payload_from = original["capture_id"]
    if source.fetched is None:
        return shown
    fetched = source.fetched
    shown.http_status = fetched.status
    shown.http_headers = list(record.fetched.headers if record.fetched else fetched.headers)
    shown.content_type = next((v for k, v in fetched.headers
                               if k.lower() == "content-type"), None)
    shown.payload_bytes = len(fetched.body)
    decoded = decode(fetched.body, shown.content_type)
    shown.text, shown.encoding, shown.decode_rule = decoded.text, decoded.encoding, decoded.rule
    return shown


def _read(settings: Settings, row: dict[str, Any]) -> Record:
    path = resolve(settings.archive_dir(), row["warc_file"])
    return read_at(path, int(row["warc_offset"]))
