"""Search: articles ranked by BM25 over the jieba term index, with snippets and facets.

    results = search(settings, SearchQuery('智谱 "大模型" -融资', site="36kr",
                                           since="2026-01-01", limit=20, offset=0))
    results.total                   # articles found (all pages)
    results.hits[0].title, .score, .snippet.parts()
    results.facets["site"]          # [Facet('36kr', 120), ...]; also "month", "source"

The query language (pipeline.analyze.searchparse): words (segmented like the index, so
Chinese needs no spaces), "quoted phrases" (their terms, then their text), -word and
-"phrase" to exclude.  Every result has all the words.  Ranking is BM25 with the title
weighted up (pipeline.store.search).  Dates are Beijing days, --until included.

The warehouse is read in one short read-only window (like `trend` and `sql`), so a
crawl's commits carry on around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.analyze.filters import check_site, parse_range
from pipeline.analyze.searchparse import ParsedQuery, parse_query
from pipeline.analyze.snippet import Snippet, snippet
from pipeline.config.settings import Settings, TermsSettings
from pipeline.core.errors import UsageError
from pipeline.index.segment import Segmenter
from pipeline.store.readers import reading
from pipeline.store.search import SearchPlan, find

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
FACETS = ("site", "month", "source")


@dataclass(frozen=True)
class SearchQuery:
    """What to search: the query text, filters and the page wanted."""

    text: str
    site: str | None = None
    since: str | dt.date | None = None   # YYYY-MM-DD (Beijing day), included
    until: str | dt.date | None = None   # YYYY-MM-DD, included
    limit: int = DEFAULT_LIMIT           # results per page, 1..MAX_LIMIT
    offset: int = 0                      # results skipped (page * limit)


@dataclass(frozen=True)
class SearchHit:
    """One article found."""

    article_id: str
    site: str
    title: str | None
    published_at: dt.datetime | None
    url: str | None
    source: str | None      # 来源
    score: float
    snippet: Snippet        # the body around the best match, matches marked

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["snippet"] = self.snippet.to_dict()
        return data


@dataclass(frozen=True)
class Facet:
    """How many of the articles found have this value (a site, a month YYYY-MM, a 来源)."""

    value: str
    count: int


@dataclass
class SearchResults:
    """One page of results, the total, and facet counts over all the articles found."""

    query: SearchQuery
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[Facet]]                 # keys FACETS; months in order
    terms: tuple[str, ...] = ()                    # the index terms searched for
    notes: list[str] = field(default_factory=list)  # what was left out, never indexed

    @property
    def has_more(self) -> bool:
        return self.query.offset + len(self.hits) < self.total

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the JSON twin of a results page)."""
        query = asdict(self.query)
        for key in ("since", "until"):
            if isinstance(query[key], dt.date):
                query[key] = query[key].isoformat()
        return {"query": query, "total": self.total, "terms": list(self.terms),
                "hits": [h.to_dict() for h in self.hits],
                "facets": {k: [asdict(f) for f in v] for k, v in self.facets.items()},
                "notes": list(self.notes)}


def search(settings: Settings, query: SearchQuery) -> SearchResults:
    """The articles matching the query, best first; UsageError for bad parameters."""
    plan, parsed = plan_of(settings, query)
    with reading(settings) as warehouse:
        found = find(warehouse, plan)
    notes = list(parsed.notes)
    if found.missing:
        notes.append("never indexed: " + ", ".join(found.missing) + " (no article has it)")
    words = parsed.highlight
    hits = [SearchHit(row["article_id"], row["site"], row.get("title"),
                      row.get("published_at"), row.get("url"), row.get("source"),
                      round(float(row["score"]), 4),
                      snippet(row.get("body"), words)) for row in found.rows]
    facets = {name: [Facet(str(v), n) for v, n in found.facets.get(name, [])]
              for name in FACETS}
    facets["site"].sort(key=lambda f: (-f.count, f.value))
    facets["month"].sort(key=lambda f: f.value)
    facets["source"].sort(key=lambda f: (-f.count, f.value))
    return SearchResults(query, found.total, hits, facets, parsed.required, notes)


def plan_of(settings: Settings, query: SearchQuery) -> tuple[SearchPlan, ParsedQuery]:
    """The query checked and turned into the index's terms."""
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) \
            or not 1 <= query.limit <= MAX_LIMIT:
        raise UsageError(f"--limit {query.limit!r} is not a number of results from 1 to "
                         f"{MAX_LIMIT}")
    if isinstance(query.offset, bool) or not isinstance(query.offset, int) or query.offset < 0:
        raise UsageError(f"--offset {query.offset!r} is not a number of results to skip "
                         "(0 or more)")
    check_site(settings, query.site)
    window = parse_range(_day("--since", query.since), _day("--until", query.until))
    first, last = window.days()
    parsed = parse_query(query.text, segmenter_of(settings.terms))
    plan = SearchPlan(terms=parsed.required, phrases=tuple(p.pattern for p in parsed.phrases),
                      excluded=tuple((g.terms, g.phrase.pattern if g.phrase else None)
                                     for g in parsed.excluded),
                      site=query.site or None, first=first, last=last, limit=query.limit,
                      offset=query.offset)
    return plan, parsed


def segmenter_of(terms: TermsSettings) -> Segmenter:
    """The index's segmenter, kept for the next search while the dictionary and stop-word
    files are unchanged (loading jieba takes 0.2-0.5 s; a web page searches many times)."""
    key = (terms, *(_stamp(path) for path in (terms.dictionary, terms.stopwords)))
    if key not in _SEGMENTERS:
        _SEGMENTERS.clear()
        _SEGMENTERS[key] = Segmenter.from_settings(terms)
    return _SEGMENTERS[key]


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        info = Path(path).stat() if path else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info else None


_SEGMENTERS: dict[tuple[Any, ...], Segmenter] = {}


def _day(flag: str, value: str | dt.date | None) -> str | None:
    """A Beijing day as YYYY-MM-DD (search filters whole days)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = (value or "").strip()
    if text and (len(text) != 10 or not text[:4].isdigit()):
        raise UsageError(f"{flag} {value!r} is not a date: use YYYY-MM-DD (a Beijing day)")
    return text or None
