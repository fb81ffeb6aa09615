"""Common Crawl: the list of crawls, each crawl's URL index, WARC records by byte range.

    https://index.commoncrawl.org/collinfo.json          the crawls: id, cdx-api, from, to
    <cdx-api>?url=36kr.com/p/*&output=json&showNumPages=true   {"pages": N, ...}
    <cdx-api>?url=36kr.com/p/*&output=json&page=K        one JSON object per line: urlkey,
                                                         timestamp, url, mime, status,
                                                         digest, length, offset, filename
    https://data.commoncrawl.org/<filename>  + Range: bytes=<offset>-<offset+length-1>
                                                         one gzip member: the WARC record

An index query with no capture is answered 404 with a JSON message: an empty page.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from warcio.archiveiterator import ArchiveIterator

from pipeline.core.records import Fetched, Request
from pipeline.discover.archives import ArchiveError, IndexRow, parse_timestamp, timestamp

NAME = "commoncrawl"
INDEX_HOST = "index.commoncrawl.org"
DATA_HOST = "data.commoncrawl.org"
COLLINFO = f"https://{INDEX_HOST}/collinfo.json"
DATA = f"https://{DATA_HOST}/"
_CRAWL_WEEK = re.compile(r"CC-MAIN-(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Crawl:
    id: str
    cdx_api: str
    start: dt.datetime | None
    end: dt.datetime | None

    def overlaps(self, since: dt.datetime | None, until: dt.datetime | None) -> bool:
        if self.start is None or self.end is None:
            return True
        return (since is None or self.end >= since) and (until is None or self.start <= until)


def collinfo_request() -> Request:
    return Request(COLLINFO, purpose="backfill-index", headers=(("Accept", "application/json"),))


def parse_collinfo(body: bytes) -> list[Crawl]:
    """The crawls, newest first (as collinfo.json lists them)."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        raise ArchiveError("bad-index", "Common Crawl's collinfo.json is not JSON") from None
    if not isinstance(data, list):
        raise ArchiveError("bad-index", "Common Crawl's collinfo.json is not a JSON list")
    crawls = []
    for item in data:
        if not isinstance(item, dict) or not item.get("id") or not item.get("cdx-api"):
            continue
        start, end = _when(item.get("from")), _when(item.get("to"))
        if start is None or end is None:
            start, end = _week_of(str(item["id"]))
        crawls.append(Crawl(str(item["id"]), str(item["cdx-api"]), start, end))
    crawls.sort(key=lambda c: c.id, reverse=True)
    return crawls


def num_pages_request(crawl: Crawl, pattern: str, since: dt.datetime | None,
                      until: dt.datetime | None) -> Request:
    return _index_request(crawl, pattern, since, until, [("showNumPages", "true")])


def page_request(crawl: Crawl, pattern: str, since: dt.datetime | None,
                 until: dt.datetime | None, page: int) -> Request:
    return _index_request(crawl, pattern, since, until, [("page", str(page))])


def _index_request(crawl: Crawl, pattern: str, since: dt.datetime | None,
                   until: dt.datetime | None, extra: list[tuple[str, str]]) -> Request:
    params = [("url", pattern), ("output", "json"), ("filter", "=status:200")]
    if since is not None:
        params.append(("from", timestamp(since)))
    if until is not None:
        params.append(("to", timestamp(until)))
    return Request(f"{crawl.cdx_api}?{urlencode(params + extra)}", purpose="backfill-index",
                   headers=(("Accept", "application/json"),))


def parse_num_pages(got: Fetched) -> int:
    if got.status == 404:
        return 0
    try:
        data = json.loads(got.body.decode("utf-8", "replace"))
        return int(data["pages"])
    except (ValueError, KeyError, TypeError):
        raise ArchiveError("bad-index", f"the Common Crawl index answered {got.url} without "
                           "a page count") from None


def parse_page(got: Fetched) -> list[IndexRow]:
    """The captures of one index page (JSON lines); a 404 is an empty page."""
    if got.status == 404:
        return []
    rows = []
    for number, line in enumerate(got.body.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line)
            filename, offset, length = item["filename"], int(item["offset"]), int(item["length"])
            url, stamp = str(item["url"]), str(item["timestamp"])
        except (ValueError, KeyError, TypeError):
            raise ArchiveError("bad-index", f"line {number} of the Common Crawl index answer "
                               f"to {got.url} is not a capture") from None
        status = str(item.get("status", ""))
        rows.append(IndexRow(NAME, url, parse_timestamp(stamp),
                             record_via(filename, offset, length),
                             status=int(status) if status.isdigit() else None,
                             mime=item.get("mime"), digest=item.get("digest"),
                             filename=filename, offset=offset, length=length))
    return rows


def record_via(filename: str, offset: int, length: int) -> str:
    return f"{DATA}{filename}#bytes={offset}-{offset + length - 1}"


def record_request(row: IndexRow) -> Request:
    assert row.filename is not None and row.offset is not None and row.length is not None
    last = row.offset + row.length - 1
    return Request(DATA + row.filename, purpose="backfill",
                   headers=(("Range", f"bytes={row.offset}-{last}"),))


def original(row: IndexRow, got: Fetched) -> Fetched:
    """The archived exchange inside the ranged read: one gzip member, one WARC response
    record of `row.url`.  Raises ArchiveError('truncated' | 'bad-record' | 'wrong-record')."""
    assert row.offset is not None and row.length is not None
    data = got.body
    if got.status == 200 and len(data) > row.length:  # the Range was ignored: the whole file
        data = data[row.offset: row.offset + row.length]
    if len(data) < row.length:
        raise ArchiveError("truncated", f"{got.url} sent {len(data)} of the {row.length} bytes "
                           f"of the record at offset {row.offset}")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data[: row.length]))))
        target = record.rec_headers.get_header("WARC-Target-URI")
        kind = record.rec_type
        http = record.http_headers
        body = record.content_stream().read() if kind == "response" else b""
        date = record.rec_headers.get_header("WARC-Date")
    except Exception as exc:  # warcio raises assorted errors on damaged members
        raise ArchiveError("bad-record", f"the record at offset {row.offset} of {got.url} "
                           f"cannot be read ({type(exc).__name__})") from None
    if kind != "response" or http is None:
        raise ArchiveError("bad-record", f"the record at offset {row.offset} of {got.url} is "
                           f"a {kind} record, not a response")
    if _bare(target) != _bare(row.url):
        raise ArchiveError("wrong-record", f"the record at offset {row.offset} of {got.url} is "
                           f"of {target}, not of {row.url}")
    status = http.get_statuscode()
    when = _when(date) or row.captured_at
    return Fetched(url=row.url, status=int(status) if str(status).isdigit() else None,
                   headers=list(http.headers), body=body, fetched_at=when,
                   elapsed_ms=got.elapsed_ms, attempts=got.attempts, purpose="backfill",
                   via=row.via, reason_phrase=http.statusline.partition(" ")[2],
                   http_version=http.protocol or "HTTP/1.1")


def _bare(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{(parts.hostname or '').lower()}{parts.path}?{parts.query}"


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _week_of(crawl_id: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """CC-MAIN-YYYY-WW: the crawl ran in about three weeks from ISO week WW."""
    match = _CRAWL_WEEK.search(crawl_id)
    if not match:
        return None, None
    try:
        start = dt.datetime.fromisocalendar(int(match[1]), max(1, int(match[2])), 1)
    except ValueError:
        return None, None
    start = start.replace(tzinfo=dt.UTC)
    return start - dt.timedelta(days=7), start + dt.timedelta(days=28)
