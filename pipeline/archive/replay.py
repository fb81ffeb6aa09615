"""Replay: answer a crawl's requests from archived responses instead of the network.

    newsvault crawl --replay warehouse/warc/*.warc.gz

GET requests match on the URL; POST requests (the 36Kr gateway) on the URL without its
query and the JSON body without its volatile fields (timestamp, nonce), so a past run is
reproduced even though each run signs its requests anew.  Revisit records answer with
the payload they refer to.  A request the archive cannot answer is a 404 marked
`X-Newsvault-Replay: missing`, which the fetcher records as 'not-in-archive'.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from pipeline.archive.reader import ArchiveDamaged, Record, iter_file, read_at

MISSING_HEADER = "X-Newsvault-Replay"
VOLATILE = frozenset({"timestamp", "nonce", "sign"})
HOP_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding",
                         "connection"})


@dataclass(frozen=True)
class Located:
    path: Path
    offset: int


def request_key(method: str, url: str, body: bytes) -> str:
    method = method.upper()
    if method == "GET":
        return f"GET {url}"
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = body.decode("utf-8", "replace")
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in VOLATILE}
    digest = hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
    return f"{method} {bare} {digest.hexdigest()}"


class ReplayTransport(httpx.AsyncBaseTransport):
    def __init__(self, index: dict[str, Located]) -> None:
        self.index = index
        self.missing: list[str] = []

    @classmethod
    def from_files(cls, paths: list[Path]) -> ReplayTransport:
        """Index the responses of WARC files (later records win)."""
        index: dict[str, Located] = {}
        for path in paths:
            responses: dict[str, tuple[Record, Located]] = {}
            requests: dict[str, Record] = {}
            try:
                for record in iter_file(path):
                    if record.type == "request" and record.concurrent_to:
                        requests[record.concurrent_to] = record
                    elif record.type == "response" and record.fetched is not None:
                        responses[record.record_id] = (record, Located(path, record.offset))
                    elif record.type == "revisit" and record.refers_to in responses:
                        responses[record.record_id] = (record, responses[record.refers_to][1])
            except ArchiveDamaged:
                pass  # replay what is readable
            for record_id, (record, located) in responses.items():
                request = requests.get(record_id)
                method = _method(request)
                body = request.request_body if request else b""
                index[request_key(method, record.url, body)] = located
        return cls(index)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content if request.method != "GET" else b""
        located = self.index.get(request_key(request.method, str(request.url), body))
        if located is None:
            self.missing.append(str(request.url))
            return httpx.Response(404, headers={MISSING_HEADER: "missing"}, request=request)
        record = read_at(located.path, located.offset)
        fetched = record.fetched
        assert fetched is not None
        headers = [(k, v) for k, v in fetched.headers if k.lower() not in HOP_HEADERS]
        return httpx.Response(fetched.status or 200, headers=headers, content=fetched.body,
                              request=request)


def _method(request: Record | None) -> str:
    return request.method if request is not None else "GET"
