"""Writing the archive: every HTTP exchange as WARC/1.1 records, one gzip member each.

    archive = WarcArchive(folder, prefix, max_file_bytes, info)
    ref = archive.write(fetched)      # response (or revisit) + request records
    archive.sync()                    # before any database row points at them
    archive.close()

Files rotate at `max_file_bytes` and are named
`<prefix>-<node>-<pid>-<YYYYmmddHHMMSS>-<seq>.warc.gz` (created exclusively, so two
writers, on one host or on several sharing the folder, never write to the same file);
each opens with a warcinfo record.  `WarcRef.file` is the name relative to the archive
folder (the root every node shares in team mode), so any node can read any capture.

The payload is stored as the crawler read it (de-chunked and decompressed), so the
response headers are adjusted to match: the original Content-Encoding is kept as
X-Archive-Orig-Content-Encoding, Transfer-Encoding is dropped, Content-Length is the
stored length.  A response whose payload equals the
last capture of the same URL becomes a `revisit` record (identical-payload-digest).

While a file is being written a marker `<file>.open` sits beside it, naming its node and
process; `recover()` (run at the start of every crawl) cuts a torn last record off files
a killed run of this node left open, and leaves other nodes' files and live processes'
files alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import __version__
from pipeline.core import faults
from pipeline.core.records import Fetched

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
NODE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_WRITING: set[Path] = set()  # files this process has open (recover() leaves them alone)
DROP_HEADERS = frozenset({"transfer-encoding", "content-length", "content-encoding"})


@dataclass(frozen=True)
class WarcRef:
    """Where a capture's record lies, and what it is."""

    file: str          # path relative to the archive folder (or an absolute path)
    offset: int
    length: int
    record_id: str
    record_type: str   # response | revisit
    payload_digest: str
    refers_to: int | None = None  # for a revisit: the capture it repeats


@dataclass(frozen=True)
class Seen:
    """The last capture of a URL: what a revisit record refers to."""

    digest: str
    record_id: str
    date: str
    capture_id: int | None = None


def payload_digest(payload: bytes) -> str:
    """The WARC payload digest (sha1, base32), as warcio writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def warc_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_label(node: str | None = None) -> str:
    """The node's name as it appears in file names (default: the host name)."""
    label = NODE_CHARS.sub("_", node or socket.gethostname()).strip("_.-")
    return label or "node"


class WarcArchive:
    def __init__(self, folder: Path, prefix: str, max_file_bytes: int,
                 info: dict[str, str], seen: dict[str, Seen] | None = None,
                 node: str | None = None) -> None:
        self.folder = folder
        self.prefix = prefix
        self.node = node_label(node)
        self.max_file_bytes = max_file_bytes
        self.info = info
        self.seen: dict[str, Seen] = dict(seen or {})
        self._fh: Any = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._seq = 0
        self.files: list[str] = []
        self.records = 0
        self.bytes = 0
        self.broken = False  # a write failed (disk full): the file's tail may be torn

    # --------------------------------------------------------------------------- API

    def write(self, fetched: Fetched, capture_id: int | None = None) -> WarcRef:
        """Archive one exchange that got a response; returns its capture's record."""
        if self._fh is None or self._fh.tell() >= self.max_file_bytes:
            self._rotate()
        assert self._writer is not None
        uri = fetched.final_url or fetched.url
        when = warc_date(fetched.fetched_at)
        digest = payload_digest(fetched.body)
        http = self._http_headers(fetched)
        last = self.seen.get(uri)
        offset = self._fh.tell()
        origin = _origin(fetched)
        if last is not None and last.digest == digest and fetched.body:
            record = self._writer.create_revisit_record(
                uri, digest, uri, last.date, http_headers=http,
                warc_headers_dict={"WARC-Date": when, "WARC-Refers-To": last.record_id,
                                   **origin})
            kind = "revisit"
        else:
            warc_headers = {"WARC-Date": when, **origin}
            if fetched.error in ("too-large", "truncated"):
                warc_headers["WARC-Truncated"] = "length" if fetched.error == "too-large" \
                    else "disconnect"
            record = self._writer.create_warc_record(
                uri, "response", payload=io.BytesIO(fetched.body), length=len(fetched.body),
                http_headers=http, warc_headers_dict=warc_headers)
            kind = "response"
        self._emit(record, "archive")
        length = self._fh.tell() - offset
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if not fetched.via:  # a backfilled capture's original request is not known
            self._write_request(fetched, uri, when, record_id)
        if kind == "response" and fetched.body and not fetched.error:
            self.seen[uri] = Seen(digest, record_id, when, capture_id)
        self.records += 1
        self.bytes += length
        return WarcRef(self._name, offset, length, record_id, kind, digest,
                       last.capture_id if kind == "revisit" and last else None)

    def sync(self) -> None:
        """Flush to disk: after this, rows may point at every record written so far."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None and self.broken:  # keep the marker: recover() cuts the tail
            fh, self._fh, self._writer = self._fh, None, None
            _WRITING.discard(self.folder / self._name)
            try:
                fh.close()
            except OSError:
                log.debug("closing the torn archive file %s failed", self._name)
            return
        if self._fh is not None:
            self.sync()
            self._fh.close()
            _marker(self.folder / self._name).unlink(missing_ok=True)
            _WRITING.discard(self.folder / self._name)
            self._fh = self._writer = None

    # ----------------------------------------------------------------------- helpers

    def _rotate(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fh = self._create()
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        info = {"software": f"newsvault/{__version__}", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/", **self.info}
        self._writer.write_record(self._writer.create_warcinfo_record(self._name, info))
        self.files.append(self._name)

    def _create(self) -> Any:
        """A new file of this node and process, created exclusively, its marker first."""
        owner = json.dumps({"node": self.node, "pid": os.getpid()})
        while True:
            self._seq += 1
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
            self._name = (f"{self.prefix}-{self.node}-{os.getpid()}-{stamp}-"
                          f"{self._seq:05d}.warc.gz")
            path = self.folder / self._name
            if not _claim(_marker(path), owner):
                continue  # taken (another writer of this process): next sequence number
            try:
                fh = path.open("xb")
            except FileExistsError:
                _marker(path).unlink(missing_ok=True)
                continue
            _WRITING.add(path)
            return fh

    def _http_headers(self, fetched: Fetched) -> StatusAndHeaders:
        headers = []
        for name, value in fetched.headers:
            lower = name.lower()
            if lower == "content-encoding":
                headers.append(("X-Archive-Orig-Content-Encoding", value))
            elif lower == "content-length":
                headers.append(("X-Archive-Orig-Content-Length", value))
            elif lower not in DROP_HEADERS:
                headers.append((name, value))
        headers.append(("Content-Length", str(len(fetched.body))))
        status = f"{fetched.status} {fetched.reason_phrase}".strip()
        return StatusAndHeaders(status, headers, protocol=fetched.http_version or "HTTP/1.1")

    def _write_request(self, fetched: Fetched, uri: str, when: str, concurrent: str) -> None:
        assert self._writer is not None
        parts = urlsplit(uri)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        statusline = f"{fetched.method} {target} {fetched.http_version or 'HTTP/1.1'}"
        headers = [(k, v) for k, v in fetched.request_headers
                   if k.lower() not in ("cookie", "authorization")]
        record = self._writer.create_warc_record(
            uri, "request", payload=io.BytesIO(fetched.request_body),
            length=len(fetched.request_body),
            http_headers=StatusAndHeaders(statusline, headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": concurrent})
        self._emit(record, "archive-request")

    def _emit(self, record: Any, checkpoint: str) -> None:
        """Write one record as one gzip member (through a buffer, so a crash test can
        leave it half written)."""
        buffer = io.BytesIO()
        WARCWriter(buffer, gzip=True, warc_version="WARC/1.1").write_record(record)
        faults.write(checkpoint, self._fh, buffer.getvalue())


def _origin(fetched: Fetched) -> dict[str, str]:
    """A capture read from a public web archive (backfill) keeps its origin, as pywb's
    extract mode writes it: WARC-Date is the archive's capture time, WARC-Source-URI
    the archive URL it was read from, WARC-Creation-Date when newsvault read it."""
    if not fetched.via:
        return {}
    return {"WARC-Source-URI": fetched.via,
            "WARC-Creation-Date": warc_date(dt.datetime.now(dt.UTC))}


def _marker(path: Path) -> Path:
    return path.with_name(path.name + OPEN_SUFFIX)


def _claim(marker: Path, owner: str) -> bool:
    """Create `marker` holding `owner` in one step (a hard link of a finished file), so
    no reader ever sees it empty; False if it exists."""
    draft = marker.with_name(f"{marker.name}.{os.getpid()}.draft")
    draft.write_text(owner, encoding="utf-8")
    try:
        os.link(draft, marker)
    except FileExistsError:
        return False
    finally:
        draft.unlink(missing_ok=True)
    return True


def recover(folder: Path, node: str | None = None) -> list[tuple[str, int]]:
    """Cut torn tails off files a killed run of this node left open; returns (file, bytes
    cut).  Files of other nodes, of live processes of this node and of this process's
    own open writers are left alone (a marker without an owner, from an older version,
    is repaired as before)."""
    repaired: list[tuple[str, int]] = []
    if not folder.is_dir():
        return repaired
    me = node_label(node)
    for marker in sorted(folder.glob("*" + OPEN_SUFFIX)):
        path = marker.with_name(marker.name[: -len(OPEN_SUFFIX)])
        if path in _WRITING or not _abandoned(marker, me):
            continue
        if path.exists():
            cut = _cut_torn_tail(path)
            if cut:
                repaired.append((path.name, cut))
        marker.unlink(missing_ok=True)
    return repaired


def _abandoned(marker: Path, node: str) -> bool:
    """Whether the marker's writer is of this node and no longer running."""
    try:
        text = marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False  # closed meanwhile
    if not text:
        return True  # an older version's marker: no owner recorded
    try:
        owner = json.loads(text)
        owner_node, pid = str(owner["node"]), int(owner["pid"])
    except (ValueError, KeyError, TypeError):
        log.warning("archive: %s names no owner; left alone", marker.name)
        return False
    if owner_node != node:
        return False
    return pid == os.getpid() or not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _cut_torn_tail(path: Path) -> int:
    good = complete_prefix(path)
    size = path.stat().st_size
    if good >= size:
        return 0
    with path.open("r+b") as fh:
        fh.truncate(good)
        fh.flush()
        os.fsync(fh.fileno())
    log.warning("archive: cut a torn record (%d bytes) off %s", size - good, path.name)
    return size - good


def complete_prefix(path: Path) -> int:
    """Bytes of `path` made of complete, readable records."""
    from pipeline.archive.reader import record_complete

    end = 0
    with path.open("rb") as fh:
        iterator = ArchiveIterator(fh, check_digests=False)
        try:
            for record in iterator:
                record.content_stream().read()
                iterator.read_to_end(record)
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if not record_complete(path, offset, length):
                    break
                end = offset + length
        except Exception:  # any damage ends the good prefix
            pass
    return end
