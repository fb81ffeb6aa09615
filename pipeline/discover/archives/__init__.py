"""Clients of the public web archives `newsvault backfill` reads, as plain HTTP APIs.

    wayback       the Internet Archive's CDX API and `id_` replay of raw bytes
    commoncrawl   collinfo.json, each crawl's CDX index, WARC records by byte range
    patterns      which URL prefixes of each site are asked for
    store         the backfill's own tables (index rows, paging cursors, listed ids)

The clients only build requests (records.Request) and parse responses: every request
goes through the project's fetcher (politeness, retries, Retry-After, --connect-to), as
the crawl's do.  The small records they share are defined here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexRow:
    """One row of an archive's URL index: a capture of `url` and where to read it."""

    archive: str                 # wayback | commoncrawl
    url: str                     # the original URL as archived
    captured_at: dt.datetime     # the archive's capture time (UTC)
    via: str                     # where the record is read (captures.via)
    status: int | None = None    # HTTP status the archive recorded
    mime: str | None = None
    digest: str | None = None
    filename: str | None = None  # Common Crawl: WARC file, offset, length
    offset: int | None = None
    length: int | None = None


@dataclass
class IndexPage:
    """Rows of one index page and the position of the next page (None: the end)."""

    rows: list[IndexRow] = field(default_factory=list)
    next: str | None = None


class ArchiveError(Exception):
    """An archive answered something its API does not: a reason token and a sentence."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_timestamp(value: str) -> dt.datetime:
    """A 14-digit archive timestamp (YYYYMMDDhhmmss, UTC; shorter ones are padded)."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) < 4:
        raise ArchiveError("bad-index", f"{value!r} is not an archive timestamp")
    digits = (digits + "0101000000"[len(digits) - 4:])[:14] if len(digits) < 14 else digits[:14]
    try:
        return dt.datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        raise ArchiveError("bad-index", f"{value!r} is not an archive timestamp") from None


def timestamp(when: dt.datetime) -> str:
    """A datetime as a 14-digit UTC archive timestamp."""
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
