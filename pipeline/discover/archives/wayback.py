"""The Internet Archive's Wayback Machine: its CDX API and raw bytes as archived.

    https://web.archive.org/cdx/search/cdx?url=36kr.com/p/*&from=..&to=..&output=json
        &filter=statuscode:200&collapse=digest&showResumeKey=true&limit=1000[&resumeKey=K]

answers a JSON array: a header row naming the fields (by default urlkey, timestamp,
original, mimetype, statuscode, digest, length), one array per capture, and, when more
rows follow, an empty array and a one-item array holding the resume key.  A capture's
bytes as archived come from `https://web.archive.org/web/<timestamp>id_/<original>`, its
original response headers prefixed `X-Archive-Orig-`; a timestamp the archive does not
hold exactly is answered with a redirect to the nearest one, which backfill refuses.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from pipeline.core.records import Fetched, Request
from pipeline.discover.archives import ArchiveError, IndexPage, IndexRow, parse_timestamp, timestamp

NAME = "wayback"
HOST = "web.archive.org"
CDX = f"https://{HOST}/cdx/search/cdx"
ORIG = "x-archive-orig-"


def cdx_request(pattern: str, since: dt.datetime | None, until: dt.datetime | None, *,
                limit: int, resume_key: str | None = None, collapse: str = "digest"
                ) -> Request:
    """One CDX page for a URL prefix (`pattern` ends with '*') or one exact URL."""
    params = [("url", pattern), ("output", "json"), ("filter", "statuscode:200")]
    if since is not None:
        params.append(("from", timestamp(since)))
    if until is not None:
        params.append(("to", timestamp(until)))
    if collapse:
        params.append(("collapse", collapse))
    params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return Request(f"{CDX}?{urlencode(params)}", purpose="backfill-index",
                   headers=(("Accept", "application/json"),))


def parse_cdx(body: bytes, url: str) -> IndexPage:
    """The rows and resume key of one CDX answer (output=json)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return IndexPage()
    try:
        data = json.loads(text)
    except ValueError:
        raise ArchiveError("bad-index", f"the Wayback CDX API answered {url} with something "
                           "other than JSON") from None
    if not isinstance(data, list) or any(not isinstance(row, list) for row in data):
        raise ArchiveError("bad-index", f"the Wayback CDX answer to {url} is not a JSON array "
                           "of arrays")
    if not data:
        return IndexPage()
    header = [str(name) for name in data[0]]
    for needed in ("timestamp", "original"):
        if needed not in header:
            raise ArchiveError("bad-index", f"the Wayback CDX answer to {url} has no "
                               f"'{needed}' field (header {header})")
    at = {name: i for i, name in enumerate(header)}
    page = IndexPage()
    rows = data[1:]
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:  # [], [resumeKey]
        page.next = str(rows[-1][0]) or None
        rows = rows[:-2]
    for row in rows:
        if len(row) != len(header):
            continue  # a blank separator or a damaged row
        status = str(row[at["statuscode"]]) if "statuscode" in at else "200"
        original, stamp = str(row[at["original"]]), str(row[at["timestamp"]])
        page.rows.append(IndexRow(
            NAME, original, parse_timestamp(stamp), record_url(stamp, original),
            status=int(status) if status.isdigit() else None,
            mime=str(row[at["mimetype"]]) if "mimetype" in at else None,
            digest=str(row[at["digest"]]) if "digest" in at else None))
    return page


def record_url(stamp: str, original: str) -> str:
    """Where the capture's bytes are served as archived (no rewriting, no banner)."""
    return f"https://{HOST}/web/{stamp}id_/{original}"


def record_request(row: IndexRow) -> Request:
    return Request(row.via, purpose="backfill")


def original(row: IndexRow, got: Fetched) -> Fetched:
    """The archived exchange as the site answered it: the original URL, the archive's
    capture time, the original headers (X-Archive-Orig-* unprefixed)."""
    headers = [(name[len(ORIG):], value) for name, value in got.headers
               if name.lower().startswith(ORIG)]
    names = {name.lower() for name, _ in headers}
    content_type = got.header("content-type")
    if "content-type" not in names and content_type:
        headers.append(("Content-Type", content_type))
    return Fetched(url=row.url, status=got.status, headers=headers, body=got.body,
                   fetched_at=row.captured_at, elapsed_ms=got.elapsed_ms,
                   attempts=got.attempts, purpose="backfill", via=row.via,
                   reason_phrase=got.reason_phrase, http_version=got.http_version)
