"""Synthetic public web archives for the backfill tests, served by tests/server.py.

FakeWayback reproduces the Wayback Machine's CDX API (`/cdx/search/cdx`: url with a
trailing '*' for a prefix, 'www.' and scheme ignored as in SURT keys, from/to, regex
filters, collapse, limit with showResumeKey/resumeKey, output=json as a header row and
array rows, then [] and [resumeKey] when more follow) and `id_` replay
(`/web/<timestamp>id_/<url>`: the archived bytes, original headers as X-Archive-Orig-*;
a timestamp not held exactly redirects to the nearest one, a redirect capture redirects).

FakeCommonCrawl reproduces collinfo.json, each crawl's index (`/<crawl>-index`:
showNumPages, page=N, output=json as JSON lines, filter, from/to; no capture: 404 with a
JSON message) and `data.commoncrawl.org` files read by Range (206 and Content-Range;
each record one gzip member, built with warcio).

Named misbehaviours: `cdx_429` (the next N index answers are 429 with Retry-After),
`truncate_once` (a record's first ranged read sends fewer bytes than asked), captures
whose archived answer is a redirect, a challenge page or another site's page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.server import Reply, Seen, TestServer

WAYBACK = "web.archive.org"
CC_INDEX = "index.commoncrawl.org"
CC_DATA = "data.commoncrawl.org"
HTML = "text/html; charset=utf-8"


@dataclass
class Capture:
    """One archived answer of a site's URL."""

    url: str
    when: dt.datetime
    body: bytes
    status: int = 200
    content_type: str = HTML
    location: str | None = None  # of a redirect capture

    @property
    def stamp(self) -> str:
        return self.when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")

    @property
    def digest(self) -> str:
        import base64

        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()

    @property
    def mime(self) -> str:
        return self.content_type.split(";")[0].strip()

    def http_headers(self) -> list[tuple[str, str]]:
        headers = [("Content-Type", self.content_type), ("Server", "fake-origin"),
                   ("Content-Length", str(len(self.body)))]
        if self.location:
            headers.append(("Location", self.location))
        return headers


def key(url: str) -> str:
    """What both archives match on: host without www. and scheme, path and query."""
    text = re.sub(r"^https?://", "", url.strip(), flags=re.I)
    host, sep, rest = text.partition("/")
    host = host.lower().removeprefix("www.")
    return host + sep + rest


def surt(url: str) -> str:
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path or "/"
    return ",".join(reversed(host.split("."))) + ")" + path.lower() + (
        "?" + parts.query if parts.query else "")


def matches(pattern: str, url: str) -> bool:
    if pattern.endswith("*"):
        return key(url).startswith(key(pattern[:-1]))
    return key(url) == key(pattern)


def in_window(stamp: str, since: str | None, until: str | None) -> bool:
    if since and stamp < since.ljust(14, "0"):
        return False
    return not (until and stamp > until.ljust(14, "9"))


def passes(filters: list[str], fields: dict[str, str], exact_prefix: bool) -> bool:
    for spec in filters:
        negate = spec.startswith("!")
        spec = spec.lstrip("!")
        exact = exact_prefix and spec.startswith("=")
        name, _, expr = spec.lstrip("=").partition(":")
        value = fields.get(name, "")
        hit = value == expr if exact else re.search(expr, value) is not None
        if hit == negate:
            return False
    return True


# -------------------------------------------------------------------------- Wayback

@dataclass
class FakeWayback:
    captures: list[Capture] = field(default_factory=list)
    cdx_429: int = 0            # the next N CDX answers are 429 Retry-After: 1
    retry_after: str = "1"
    replay_redirect: set[tuple[str, str]] = field(default_factory=set)  # (stamp, url)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, capture: Capture) -> Capture:
        self.captures.append(capture)
        return capture

    def install(self, server: TestServer) -> None:
        server.route(WAYBACK, "/robots.txt", Reply(200, "User-agent: *\nAllow: /\n",
                                                   content_type="text/plain"))
        server.fallbacks.append(self.handle)

    def handle(self, seen: Seen) -> Reply | None:
        if seen.host != WAYBACK:
            return None
        parts = urlsplit(seen.path)
        if parts.path == "/cdx/search/cdx":
            with self.lock:
                if self.cdx_429 > 0:
                    self.cdx_429 -= 1
                    return Reply(429, "Too Many Requests", headers={
                        "Retry-After": self.retry_after}, content_type="text/plain")
            return self._cdx(parse_qs(parts.query))
        match = re.match(r"^/web/(\d{14})id_/(.+)$", seen.path)
        if match:
            return self._replay(match[1], match[2])
        return None

    def rows(self, query: dict[str, list[str]]) -> list[tuple[str, Capture]]:
        pattern = query["url"][0]
        since, until = query.get("from", [None])[0], query.get("to", [None])[0]
        found = []
        for c in self.captures:
            fields = {"statuscode": str(c.status), "mimetype": c.mime, "original": c.url}
            if matches(pattern, c.url) and in_window(c.stamp, since, until) \
                    and passes(query.get("filter", []), fields, exact_prefix=False):
                found.append((surt(c.url), c))
        found.sort(key=lambda pair: (pair[0], pair[1].stamp))
        collapse = query.get("collapse", [None])[0]
        if collapse:
            name, _, width = collapse.partition(":")
            kept: list[tuple[str, Capture]] = []
            last = None
            for urlkey, c in found:
                value = {"digest": c.digest, "urlkey": urlkey, "timestamp": c.stamp,
                         "original": c.url}[name]
                value = (urlkey, value[: int(width)] if width else value)
                if value != last:
                    kept.append((urlkey, c))
                last = value
            found = kept
        return found

    def _cdx(self, query: dict[str, list[str]]) -> Reply:
        if query.get("output", [""])[0] != "json":
            return Reply(400, "this fake answers output=json only", content_type="text/plain")
        found = self.rows(query)
        resume = query.get("resumeKey", [None])[0]
        if resume:
            urlkey, _, stamp = unquote(resume).rpartition(" ")
            found = [(k, c) for k, c in found if (k, c.stamp) > (urlkey, stamp)]
        limit = int(query.get("limit", ["100000"])[0])
        page, rest = found[:limit], found[limit:]
        if not page:
            return Reply(200, "[]\n", content_type="application/json")
        header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
                  "length"]
        rows: list[list[str]] = [header]
        rows += [[k, c.stamp, c.url, c.mime, str(c.status), c.digest, str(len(c.body))]
                 for k, c in page]
        if rest and query.get("showResumeKey", [""])[0] == "true":
            last_key, last = page[-1]
            rows += [[], [quote(f"{last_key} {last.stamp}")]]
        text = "[" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "]\n"
        return Reply(200, text, content_type="application/json")

    def _replay(self, stamp: str, url: str) -> Reply:
        same = [c for c in self.captures if key(c.url) == key(url)]
        if not same:
            return Reply(404, "<html><body>Wayback Machine has not archived that URL."
                              "</body></html>")
        exact = next((c for c in same if c.stamp == stamp), None)
        if exact is None or (stamp, key(url)) in self.replay_redirect:
            others = [c for c in same if c.stamp != stamp] or same
            near = min(others, key=lambda c: abs(int(c.stamp) - int(stamp)))
            return Reply(302, "", headers={
                "Location": f"https://{WAYBACK}/web/{near.stamp}id_/{near.url}"},
                content_type=None)
        headers = {f"X-Archive-Orig-{k}": v for k, v in exact.http_headers()}
        headers["Memento-Datetime"] = exact.when.astimezone(dt.UTC).strftime(
            "%a, %d %b %Y %H:%M:%S GMT")
        if exact.status in (301, 302):
            headers["Location"] = f"https://{WAYBACK}/web/{stamp}id_/{exact.location}"
            return Reply(exact.status, "", headers=headers, content_type=None)
        return Reply(exact.status, exact.body, headers=headers,
                     content_type=exact.content_type)


# --------------------------------------------------------------------- Common Crawl

@dataclass
class _Crawl:
    id: str
    start: dt.datetime
    end: dt.datetime
    captures: list[Capture] = field(default_factory=list)
    data: bytes = b""
    where: dict[int, tuple[int, int]] = field(default_factory=dict)  # id(capture) -> o, l

    @property
    def filename(self) -> str:
        return f"crawl-data/{self.id}/segments/1700000000000.00/warc/{self.id}-00000.warc.gz"

    def build(self) -> None:
        out = io.BytesIO()
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(self.filename, {"software": "fake"}))
        for c in self.captures:
            http = StatusAndHeaders(f"{c.status} {'OK' if c.status == 200 else 'Moved'}",
                                    c.http_headers(), protocol="HTTP/1.1")
            request = writer.create_warc_record(
                c.url, "request", http_headers=StatusAndHeaders(
                    f"GET {urlsplit(c.url).path} HTTP/1.1", [("Host", urlsplit(c.url).netloc)],
                    is_http_request=True),
                warc_headers_dict={"WARC-Date": c.when.strftime("%Y-%m-%dT%H:%M:%SZ")})
            writer.write_record(request)
            record = writer.create_warc_record(
                c.url, "response", payload=io.BytesIO(c.body), length=len(c.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": c.when.astimezone(dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ")})
            start = out.tell()
            writer.write_record(record)
            self.where[id(c)] = (start, out.tell() - start)
        self.data = out.getvalue()


@dataclass
class FakeCommonCrawl:
    page_size: int = 4
    crawls: dict[str, _Crawl] = field(default_factory=dict)
    cdx_429: int = 0
    retry_after: str = "1"
    truncate_once: set[str] = field(default_factory=set)  # capture URLs
    lock: threading.Lock = field(default_factory=threading.Lock)
    reads: list[str] = field(default_factory=list)  # Range headers served

    def crawl(self, crawl_id: str, start: dt.datetime, end: dt.datetime) -> _Crawl:
        return self.crawls.setdefault(crawl_id, _Crawl(crawl_id, start, end))

    def add(self, crawl_id: str, capture: Capture) -> Capture:
        self.crawls[crawl_id].captures.append(capture)
        self.crawls[crawl_id].data = b""
        return capture

    def install(self, server: TestServer) -> None:
        for host in (CC_INDEX, CC_DATA):
            server.route(host, "/robots.txt", Reply(200, "User-agent: *\nAllow: /\n",
                                                    content_type="text/plain"))
        server.fallbacks.append(self.handle)

    def handle(self, seen: Seen) -> Reply | None:
        parts = urlsplit(seen.path)
        if seen.host == CC_INDEX:
            if parts.path == "/collinfo.json":
                return self._collinfo()
            match = re.fullmatch(r"/(CC-MAIN-[\w-]+)-index", parts.path)
            if match and match[1] in self.crawls:
                with self.lock:
                    if self.cdx_429 > 0:
                        self.cdx_429 -= 1
                        return Reply(429, "slow down", headers={
                            "Retry-After": self.retry_after}, content_type="text/plain")
                return self._index(self.crawls[match[1]], parse_qs(parts.query))
            return None
        if seen.host == CC_DATA:
            return self._data(parts.path.lstrip("/"), seen.headers)
        return None

    def _collinfo(self) -> Reply:
        items = [{"id": c.id, "name": f"{c.id} Index",
                  "timegate": f"https://{CC_INDEX}/{c.id}/",
                  "cdx-api": f"https://{CC_INDEX}/{c.id}-index",
                  "from": c.start.strftime("%Y-%m-%dT%H:%M:%S"),
                  "to": c.end.strftime("%Y-%m-%dT%H:%M:%S")}
                 for c in sorted(self.crawls.values(), key=lambda c: c.id, reverse=True)]
        return Reply(200, json.dumps(items), content_type="application/json")

    def _ready(self, crawl: _Crawl) -> None:
        with self.lock:
            if not crawl.data:
                crawl.build()

    def _index(self, crawl: _Crawl, query: dict[str, list[str]]) -> Reply:
        self._ready(crawl)
        if query.get("output", [""])[0] != "json":
            return Reply(400, "output=json only here", content_type="text/plain")
        pattern = query["url"][0]
        since, until = query.get("from", [None])[0], query.get("to", [None])[0]
        rows = []
        for c in crawl.captures:
            offset, length = crawl.where[id(c)]
            line = {"urlkey": surt(c.url), "timestamp": c.stamp, "url": c.url,
                    "mime": c.mime, "mime-detected": c.mime, "status": str(c.status),
                    "digest": c.digest, "length": str(length), "offset": str(offset),
                    "filename": crawl.filename, "languages": "zho", "encoding": "UTF-8"}
            if c.location:
                line["redirect"] = c.location
            if matches(pattern, c.url) and in_window(c.stamp, since, until) and passes(
                    query.get("filter", []), line, exact_prefix=True):
                rows.append(line)
        rows.sort(key=lambda r: (r["urlkey"], r["timestamp"]))
        pages = max(1, math.ceil(len(rows) / self.page_size))
        if query.get("showNumPages", [""])[0] == "true":
            return Reply(200, json.dumps({"pages": pages, "pageSize": self.page_size,
                                          "blocks": pages}), content_type="application/json")
        page = int(query.get("page", ["0"])[0])
        chunk = rows[page * self.page_size:(page + 1) * self.page_size]
        if not chunk:
            return Reply(404, json.dumps({"message": f"No Captures found for: {pattern}"}),
                         content_type="application/json")
        return Reply(200, "".join(json.dumps(r) + "\n" for r in chunk),
                     content_type="text/x-ndjson")

    def _data(self, path: str, headers: dict[str, str]) -> Reply | None:
        crawl = next((c for c in self.crawls.values() if c.filename == path), None)
        if crawl is None:
            return None
        self._ready(crawl)
        rng = next((v for k, v in headers.items() if k.lower() == "range"), "")
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", rng.strip())
        if not match:
            return Reply(200, crawl.data, content_type="application/octet-stream")
        first, last = int(match[1]), int(match[2])
        with self.lock:
            self.reads.append(rng)
            short = next((c for c in crawl.captures if crawl.where[id(c)][0] == first
                          and c.url in self.truncate_once), None)
            if short is not None:
                self.truncate_once.discard(short.url)
        data = crawl.data[first:last + 1]
        if short is not None:
            data = data[: len(data) // 2]
        return Reply(206, data, headers={
            "Content-Range": f"bytes {first}-{first + len(data) - 1}/{len(crawl.data)}"},
            content_type="application/octet-stream")
