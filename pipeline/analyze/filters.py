"""What the analyst commands (`trend`, `export`) filter on: a site, a Beijing date range,
and terms.

Term syntax, one argument each (`trend TERM...`, `export --term TERM`):

    智谱                 one term (Latin case-insensitive: deepseek = DeepSeek)
    千问|通义|Qwen       any of these words (one series, an article counted once)
    阿里模型=千问|Qwen   the same, shown under the label before '='

A word must be one term to the segmenter; one it would split (阶跃星辰 without the user
dictionary) is refused with what to do, so a count is never silently zero.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError
from pipeline.index.segment import Segmenter
from pipeline.store.interfaces import ArchiveData

BEIJING = dt.timezone(dt.timedelta(hours=8))
TERM_SYNTAX = "WORD, WORD|WORD (any of them) or LABEL=WORD|WORD"
_BAD = re.compile(r"[\s\"'`*?()\[\]{}<>,;:!&^$=\\/]")


@dataclass(frozen=True)
class Series:
    """One line of a trend (or one --term filter): a label and the terms it counts."""

    label: str
    terms: tuple[str, ...]


def parse_series(spec: str, segmenter: Segmenter) -> Series:
    """A term argument as a Series; UsageError (exit 2) names what is wrong with it."""
    label, sep, words = spec.partition("=")
    if not sep:
        label, words = "", spec
    elif not label.strip() or "\n" in label:
        raise UsageError(f"term {spec!r}: empty label before '='; term syntax: {TERM_SYNTAX}")
    parts = words.split("|")
    for word in parts:
        bad = _BAD.search(word)
        if not word or bad:
            what = f"{bad.group(0)!r} is not allowed in a word" if bad else "an empty word"
            raise UsageError(f"term {spec!r}: {what}; term syntax: {TERM_SYNTAX}")
    terms = tuple(dict.fromkeys(segmenter.term_of(word) for word in parts))
    return Series(label.strip() or "|".join(terms), terms)


def parse_all(specs: Iterable[str], segmenter: Segmenter) -> list[Series]:
    series = [parse_series(spec, segmenter) for spec in specs]
    labels = [s.label for s in series]
    for label in labels:
        if labels.count(label) > 1:
            raise UsageError(f"term {label!r} is given twice: give each series once")
    return series


def term_ids(warehouse: ArchiveData, series: Iterable[Series]) -> dict[str, int]:
    """term -> vocabulary id for the terms of these series that the index holds."""
    return warehouse.term_ids([t for s in series for t in s.terms])


# ------------------------------------------------------------------------ time range

@dataclass(frozen=True)
class Range:
    """[since, until) as Beijing-time instants; either end may be open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive

    def days(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last Beijing day inside the range (both included)."""
        last = (self.until - dt.timedelta(microseconds=1)).date() if self.until else None
        return (self.since.date() if self.since else None), last


def parse_range(since: str | None, until: str | None, *, whole_days: bool = False) -> Range:
    """--since/--until: YYYY-MM-DD (a day, Beijing time; --until includes it) or
    YYYY-MM-DDTHH:MM.  An empty range is refused."""
    start = _instant("--since", since, whole_days) if since else None
    end = _instant("--until", until, whole_days) if until else None
    if end is not None and until and len(until.strip()) <= 10:
        end += dt.timedelta(days=1)  # --until 2026-01-31 includes that day
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--since {since} is after --until {until}: the range is empty; give "
                         "an earlier --since or a later --until")
    return Range(start, end)


def _instant(flag: str, value: str, whole_days: bool) -> dt.datetime:
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date: use YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM") from None
    if whole_days and len(text) > 10:
        raise UsageError(f"{flag} {value!r}: trends count whole days; use YYYY-MM-DD")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed


def check_site(settings: Settings, site: str | None) -> None:
    if site and site not in settings.sites:
        raise UsageError(f"--site {site!r} is not a site; known: {', '.join(settings.sites)}")
