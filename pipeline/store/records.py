"""The records that cross the store's seam (pipeline.store.interfaces): small dataclasses,
the same whichever backend keeps them (the DuckDB file, the spool, team mode)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.core.records import Article, Fetched, Link

if TYPE_CHECKING:
    import numpy as np

    from pipeline.discover.archives import IndexRow

SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization"})


@dataclass(frozen=True)
class CaptureRow:
    """One `captures` row: an exchange (or a failure) and where its record is archived."""

    capture_id: int
    run_id: int
    site: str | None
    purpose: str
    method: str
    url: str
    final_url: str | None
    status: int | None
    error: str | None
    detail: str | None
    headers: str
    content_type: str | None
    fetched_at: dt.datetime
    elapsed_ms: float
    attempts: int
    body_size: int
    body_sha256: str | None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    warc_record_id: str | None = None
    record_type: str | None = None
    payload_digest: str | None = None
    refers_to: int | None = None
    via: str | None = None  # the archive URL of a backfilled capture (0010)

    @classmethod
    def of(cls, capture_id: int, run_id: int, site: str | None, f: Fetched,
           **archive: Any) -> CaptureRow:
        headers = [(k, "<redacted>" if k.lower() in SECRET_HEADERS else v)
                   for k, v in f.headers]
        return cls(capture_id, run_id, site, f.purpose, f.method, f.final_url or f.url,
                   f.final_url, f.status, f.error, f.detail or None, json.dumps(headers),
                   f.content_type, f.fetched_at, round(f.elapsed_ms, 1), f.attempts,
                   len(f.body), f.sha256 if f.body else None, **archive, via=f.via)


CAPTURE_COLUMNS = [f.name for f in dataclasses.fields(CaptureRow)]
ARTICLE_COLUMNS = ["article_id", "site", "kind", "url", "canonical_url", "title", "body",
                   "author", "source", "published_at", "tags", "summary", "lang", "source_url",
                   "extractor", "extractor_version", "decode_rule", "provenance", "content_hash",
                   "capture_id", "first_seen_at", "fetched_at", "updated_at", "run_id",
                   "status", "original_source", "original_author"]
LISTS_SCHEMA = 8  # the migration that records lists (0008_coverage)
RUN_LIST_COLUMNS = ("list_name", "kind", "pages", "items", "new", "horizon_run",
                    "reached_known", "depth_cut", "possible_gap", "first_read", "error",
                    "resume")


@dataclass
class Batch:
    """What one commit writes: captures with their bodies, articles, frontier states."""

    captures: list[CaptureRow] = field(default_factory=list)
    bodies: list[tuple[str, bytes]] = field(default_factory=list)  # sha256, raw body
    articles: list[tuple[Article, int | None, dt.datetime]] = field(default_factory=list)
    done: list[tuple[str, str, str | None]] = field(default_factory=list)  # id, state, error
    links: list[Link] = field(default_factory=list)
    listed: list[tuple[str, str, str]] = field(default_factory=list)  # site, list, id shown
    # refusals (0009): feed items with their text (and the feed page's capture), and
    # cooldowns begun: (site, since, until, reason)
    feeds: list[tuple[Link, int | None]] = field(default_factory=list)
    cooldowns: list[tuple[str, dt.datetime, dt.datetime, str]] = field(default_factory=list)
    # backfill units whose work this batch commits: (kind, key); team mode lets their
    # leases go with it (the DuckDB file derives it all from its captures)
    finished: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self.captures) + len(self.articles) + len(self.done) + len(self.links)
                + len(self.listed) + len(self.feeds) + len(self.cooldowns)
                + len(self.finished))


@dataclass
class BatchResult:
    """What became of each article of a batch: 'new', 'updated' or 'unchanged'."""

    states: dict[str, str] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return sum(1 for s in self.states.values() if s == state)

    def add(self, article_id: str, stored: str | None, content_hash: str | None) -> None:
        """An article whose stored content hash was `stored` (None: not stored) now
        has `content_hash`."""
        self.states[article_id] = ("new" if stored is None
                                   else "unchanged" if stored == content_hash else "updated")


@dataclass(frozen=True)
class Cursor:
    """How far one archive index query has paged (backfill_cursor)."""

    position: str | None
    pages: int | None
    done: bool


@dataclass(frozen=True)
class Found:
    """An archive index row with what it is on its site."""

    site: str
    kind: str                # article | newsflash | ... | list
    article_id: str | None
    row: IndexRow


@dataclass(frozen=True)
class TermRow:
    """What the term indexer reads of an article."""

    article_id: str
    site: str
    day: dt.date | None
    title: str | None
    body: str | None
    content_hash: str | None
    source: str | None = None      # 来源, kept in term_docs for search facets (0012)


@dataclass
class Segmented:
    """One batch of articles, segmented: a local vocabulary and integer columns (numpy
    arrays, which also pickle fast from a worker process)."""

    vocab: list[str]               # code -> term
    codes: np.ndarray              # per row: code of its term
    counts: np.ndarray             # per row: occurrences
    titled: np.ndarray             # per row: in the title
    sizes: np.ndarray              # per article: its rows
    simhash: list[int | None]


@dataclass
class IndexStatus:
    """How current the term index is against one index version."""

    articles: int
    current: int
    stale: int
    missing: int
    recount: int     # months whose daily counts await a recount (an interrupted index)
    version: str

    @property
    def todo(self) -> int:
        return self.stale + self.missing + self.recount


@dataclass(frozen=True)
class ClusterRule:
    """How the term index groups near-duplicate bodies (pipeline.index.fingerprint):
    candidates within `window` days and `distance` SimHash bits, and the function that
    turns ([(doc, day)] of a batch, candidate rows) into doc -> cluster."""

    window: int
    distance: int
    assign: Callable[[list[tuple[int, Any]], list[tuple[Any, ...]]], dict[int, int]]


@dataclass(frozen=True)
class WorkUnit:
    """A share of a job that one node does at a time (ControlState.claim_unit): the
    items whose keys (article ids) run from `first` to `last`, both included; None: no
    bound (the DuckDB file's one unit is the whole job).  `leases` > 1: handed out
    before (a node died or gave it back), so part of it may be done already."""

    job: str
    unit: int
    first: str | None = None
    last: str | None = None
    items: int = 0
    leases: int = 1
