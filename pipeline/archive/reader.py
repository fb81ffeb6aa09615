"""Reading the archive back: one record by its offset, or every record of a file.

A record read back becomes a `Fetched` again (url, status, headers, payload, time), so
re-extraction, import and replay feed the same code the crawl does.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.core.errors import ArchiveDamaged, UsageError
from pipeline.core.records import Fetched

ORIG_PREFIX = "x-archive-orig-"


@dataclass
class Record:
    """A WARC record as newsvault uses it."""

    offset: int
    length: int
    type: str
    url: str
    record_id: str
    date: str
    payload_digest: str | None
    refers_to: str | None
    fetched: Fetched | None  # response and revisit records: the exchange
    request_body: bytes = b""
    concurrent_to: str | None = None
    method: str = "GET"  # of a request record
    warc_headers: list[tuple[str, str]] = field(default_factory=list)  # as in the file


def resolve(root: Path, name: str) -> Path:
    """Where a capture's `warc_file` lies: a relative name (a bare file name, as every
    archive before team mode stored, or a path below the root) against the archive root
    all nodes share; an absolute path (an imported file outside the root) as it is."""
    path = Path(name)
    if path.is_absolute():
        return path
    if ".." in path.parts:
        raise ArchiveDamaged(f"archive file name {name!r} points outside the archive root "
                             f"{root}", 0)
    return root / path


def stored_name(root: Path, path: Path) -> str:
    """The `warc_file` to store for `path`: relative to the archive root when it lies
    below it (so every node finds it), else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def read_at(path: Path, offset: int) -> Record:
    """The record starting at `offset` of `path`."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            iterator = ArchiveIterator(fh, check_digests=False)
            for warc in iterator:
                return _record(warc, offset, 0, _read_payload(warc))
    except FileNotFoundError:
        raise UsageError(f"archive file {path} is missing: restore it, or re-crawl") from None
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        raise ArchiveDamaged(f"{path} at offset {offset}: {exc}", offset) from None
    raise ArchiveDamaged(f"{path} has no record at offset {offset}", offset)


def iter_file(path: Path) -> Iterator[Record]:
    """Every record of a WARC file (gzip or not). Damage raises ArchiveDamaged after the
    good records before it have been yielded."""
    problem = not_warc(path)
    if problem:
        raise ArchiveDamaged(problem, 0)
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh, check_digests=False)
        offset = 0
        held: Record | None = None  # a record is yielded once the next one is read
        try:
            for warc in iterator:
                payload = _read_payload(warc)  # first: asking the offset consumes the record
                offset = iterator.get_record_offset()
                iterator.read_to_end(warc)
                if held is not None:
                    yield held
                held = _record(warc, offset, iterator.get_record_length(), payload)
                offset = iterator.get_record_offset() + iterator.get_record_length()
        except (ArchiveLoadFailed, OSError, EOFError, ValueError, gzip.BadGzipFile) as exc:
            raise ArchiveDamaged(f"{path}: damaged record at offset {offset} ({_why(exc)})",
                                 offset) from None
    # warcio passes over a torn last record without complaint: check the end
    if held is not None and not record_complete(path, held.offset, held.length):
        raise ArchiveDamaged(f"{path}: the record at offset {held.offset} is cut off",
                             held.offset)
    if held is not None:
        yield held
    size = path.stat().st_size
    if offset < size:
        raise ArchiveDamaged(f"{path}: {size - offset} bytes at offset {offset} cannot be read "
                             "(the file is cut off or damaged there)", offset)


def not_warc(path: Path) -> str | None:
    """Why `path` is not a WARC file (gzip or not), judged by its start; None if it is."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        return f"{path} is empty"
    if not (head.startswith(b"WARC/") or head.startswith(b"\x1f\x8b")):
        return f"{path} is not a WARC file (it starts with {head[:8]!r})"
    if head.startswith(b"\x1f\x8b") and not _gzip_is_warc(path):
        return f"{path} is gzip but not a WARC file"
    return None


def record_complete(path: Path, offset: int, length: int) -> bool:
    """Whether the record at offset..offset+length is whole (a complete gzip member, or
    an uncompressed block as long as its Content-Length says)."""
    import zlib

    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    if data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(31)
        try:
            inflater.decompress(data)
        except zlib.error:
            return False
        return inflater.eof
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(rest) >= int(value.strip() or 0)
    return False


def _why(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _gzip_is_warc(path: Path) -> bool:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(5) == b"WARC/"
    except (OSError, EOFError):
        return True  # damaged from the start: let the iterator report it


def _read_payload(warc: Any) -> bytes:
    """The payload with chunking and any Content-Encoding removed (warcio does both)."""
    return warc.content_stream().read() if warc.rec_type in ("response", "request",
                                                             "revisit") else b""


def _record(warc: Any, offset: int, length: int, payload: bytes) -> Record:
    headers = warc.rec_headers
    url = headers.get_header("WARC-Target-URI") or ""
    date = headers.get_header("WARC-Date") or ""
    record = Record(offset=offset, length=length, type=warc.rec_type, url=url,
                    record_id=headers.get_header("WARC-Record-ID") or "", date=date,
                    payload_digest=headers.get_header("WARC-Payload-Digest"),
                    refers_to=headers.get_header("WARC-Refers-To"), fetched=None,
                    concurrent_to=headers.get_header("WARC-Concurrent-To"),
                    warc_headers=[(k, v) for k, v in headers.headers])
    if warc.rec_type == "request":
        record.request_body = payload
        if warc.http_headers is not None and warc.http_headers.protocol:
            record.method = warc.http_headers.protocol.upper()
    elif warc.rec_type in ("response", "revisit") and warc.http_headers is not None:
        record.fetched = _fetched(warc, url, date, payload)
    return record


def _fetched(warc: Any, url: str, date: str, payload: bytes) -> Fetched:
    http = warc.http_headers
    try:
        status = int(http.get_statuscode())
    except (TypeError, ValueError):
        status = None
    headers = []
    for name, value in http.headers:
        lower = name.lower()
        if lower.startswith(ORIG_PREFIX):  # our own renaming of Content-Encoding/-Length
            continue
        headers.append((name, value))
    fetched = Fetched(url=url, status=status, headers=headers, body=payload, final_url=url,
                      fetched_at=_parse_date(date), http_version=http.protocol or "HTTP/1.1")
    return fetched


def _parse_date(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.now(dt.UTC)
