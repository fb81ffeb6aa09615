"""The small records that cross stages: a discovered link, a fetch, an article."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Request:
    """One HTTP request a stage wants made. `url` is always the site's own URL."""

    url: str
    method: str = "GET"
    json: Any = None
    content: bytes | None = None  # a body sent as is (e.g. JSON whose bytes were signed)
    headers: tuple[tuple[str, str], ...] = ()
    purpose: str = "article"  # article | list | robots: for counters and archive labels
    state: Any = field(default=None, compare=False)  # a source's paging state


@dataclass
class Fetched:
    """The outcome of one request: a response, or a failure with its reason.

    `error` is None for a usable response (2xx) and otherwise a short token such as
    'http-404', 'timeout', 'connect', 'robots', 'offsite-redirect', 'too-large';
    `detail` says the same for a human.
    """

    url: str
    method: str = "GET"
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    final_url: str | None = None
    fetched_at: dt.datetime = field(default_factory=utcnow)
    elapsed_ms: float = 0.0
    error: str | None = None
    detail: str = ""
    attempts: int = 1
    purpose: str = "article"
    redirects: list[str] = field(default_factory=list)
    # the exchange as it was on the wire, for the archive (WARC request/response records)
    http_version: str = "HTTP/1.1"
    reason_phrase: str = ""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    capture_id: int | None = None  # set when the crawl records it
    via: str | None = None  # a backfilled capture: the archive URL it was read from

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Link:
    """An item found on a list page: an article to fetch, or a record complete already.

    `record` is set when the list itself carries the whole item (a 36Kr newsflash): the
    crawl stores it without fetching a page.  `feed_text` is a feed item's full body:
    the page is still fetched, and the feed's text is stored instead when the page is
    refused (a challenge or risk page).
    """

    url: str
    article_id: str
    site: str
    kind: str = "article"
    title: str | None = None
    published_at: str | None = None
    list_name: str = ""
    record: Article | None = None
    feed_text: str | None = None  # a feed item's full body (HTML): kept for a refused page


@dataclass
class Article:
    """An extracted article. `published_at` is ISO 8601 with its offset (Beijing +08:00).

    `provenance` maps a field name to the rule that produced it (e.g. title:
    'og:title'), so a wrong value can be traced to its rule.
    """

    url: str | None = None
    article_id: str | None = None
    site: str | None = None
    kind: str = "article"
    canonical_url: str | None = None
    title: str | None = None
    body: str = ""
    author: str | None = None
    source: str | None = None
    published_at: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    lang: str | None = None
    source_url: str | None = None
    status: str = "ok"  # ok | paywall | feed | empty | not-html | blocked | too-large
    extractor: str = ""
    decode_rule: str = ""
    provenance: dict[str, str] = field(default_factory=dict)
    original_source: str | None = None  # a reprint's outlet or WeChat account
    original_author: str | None = None  # a reprint's author at that outlet

    @property
    def text(self) -> str:
        """The body; the name the extraction yardstick reads."""
        return self.body

    @property
    def content_hash(self) -> str:
        """Digest of what a reader sees: changes when the story is edited."""
        parts = [self.title or "", self.body, self.author or "", self.source or "",
                 self.published_at or "", ",".join(self.tags), self.summary or ""]
        extra = [self.status if self.status != "ok" else "", self.original_source or "",
                 self.original_author or ""]
        if any(extra):  # only then: rows hashed before these fields existed keep their hash
            parts += extra
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def iso_beijing(value: dt.datetime) -> str:
    """A datetime as ISO 8601 in Beijing time (naive values are taken as Beijing time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(BEIJING).isoformat()


def from_epoch_ms(ms: int | float | str) -> str | None:
    try:
        seconds = float(ms) / 1000.0
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return iso_beijing(dt.datetime.fromtimestamp(int(seconds), dt.UTC))
