"""Coverage: per site and period, what was seen and what became of it.

    result = coverage(settings, site="36kr", since="2026-11-01", by="week")
    result.columns, result.rows

An id is *seen* when a list, an imported archive or a backfill showed it (frontier and
articles).  The period is the item's publish time in Beijing time: the stored
article's, else the time its list showed; items with neither count under an empty
period.  Columns:

    seen       ids seen
    stored     stored articles (whatever their source: page, feed text, archive)
    feed_only  stored from the feed's text only (articles.status = 'feed')
    blocked    not stored: the site refused the page (block or challenge pages, 403)
    failed     not stored: fetching failed for good
    skipped    not stored: not an article (a video, an empty page, robots.txt)
    pending    not stored yet: waiting for the next run
    missing    seen but not stored (blocked + failed + skipped + pending)

The SQL is warehouse/queries/coverage.sql.  Always read-only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError
from pipeline.store import reads
from pipeline.store.readers import Reader, reading

PERIODS = ("day", "week", "month")
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Coverage:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def coverage(settings: Settings, site: str | None = None, since: str | None = None,
             until: str | None = None, by: str = "day") -> Coverage:
    """Coverage per site and period; `since`/`until` are days (YYYY-MM-DD, Beijing time),
    `until` included. Raises UsageError on a bad argument, WarehouseError."""
    start = _day("--since", since)
    end = _day("--until", until)
    if start and end and end < start:
        raise UsageError(f"--until {until} is before --since {since}: swap them")
    with reading(settings) as warehouse:
        return coverage_of(warehouse, site, start, end + dt.timedelta(days=1)
                           if end else None, by)


def coverage_of(warehouse: Reader, site: str | None, since: dt.datetime | None,
                until: dt.datetime | None, by: str = "day") -> Coverage:
    """The coverage query on an open warehouse; `until` excluded."""
    if by not in PERIODS:
        raise UsageError(f"--by {by!r}: use one of {', '.join(PERIODS)}")
    columns, rows = reads.coverage(warehouse, site, since, until, by)
    return Coverage(columns, rows)


def last_days(warehouse: Reader, days: int = 7,
              today: dt.date | None = None) -> Coverage:
    """Coverage of the last `days` days (Beijing time), today included: for `status`."""
    today = today or dt.datetime.now(BEIJING).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), BEIJING)
    return coverage_of(warehouse, None, start, start + dt.timedelta(days=days), "day")


def _day(flag: str, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a day: use YYYY-MM-DD") from None
    return dt.datetime.combine(day, dt.time(), BEIJING)
