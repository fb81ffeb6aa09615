"""Trends: how many articles mention each term, per day, week or month.

    result = trend(settings, TrendOptions(["智谱", "DeepSeek"], by="week", share=True))
    result.columns, result.rows      # period, term, articles, mentions, all_articles, share

Counts come from the term index (`terms`, filtered on the integer `term_id` so five
terms over a million articles take well under a second) and are zero-filled: every
period with at least one article in the range gets a row per term.  Periods are Beijing
days; weeks start on Monday; a period is named by its first day.

`share` divides by all articles of the period (the `site_daily` view: every stored
article, indexed or not).  `dedupe` counts stories instead of articles: near-duplicate
bodies (the same story on two sites or reposted by 网易号 accounts, see
pipeline.index.fingerprint) count once; its share divides by all stories of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.analyze.filters import Range, Series, check_site, parse_all, parse_range, term_ids
from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError
from pipeline.index.segment import Segmenter
from pipeline.store import exports
from pipeline.store.readers import Reader, reading

PERIODS = ("day", "week", "month")


@dataclass(frozen=True)
class TrendOptions:
    """What `trend` counts: the command's options (see the module docstring)."""

    terms: Sequence[str]  # WORD, WORD|WORD or LABEL=WORD|WORD each
    by: str = "week"  # one of PERIODS
    site: str | None = None
    since: str | None = None  # first day, YYYY-MM-DD
    until: str | None = None  # last day, included
    share: bool = False  # also divide by all articles (or stories) of the period
    dedupe: bool = False  # count near-duplicate stories once


@dataclass
class TrendResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    series: list[Series]
    by: str
    measure: str                       # the column a plot draws
    notes: list[str] = field(default_factory=list)  # warnings for stderr


def trend(settings: Settings, options: TrendOptions) -> TrendResult:
    """Counts per period and term; see the module docstring."""
    by, site = options.by, options.site
    if by not in PERIODS:
        raise UsageError(f"--by must be one of {', '.join(PERIODS)}, got {by!r}")
    if not options.terms:
        raise UsageError("give at least one TERM, e.g. newsvault trend 智谱 DeepSeek")
    check_site(settings, site)
    window = parse_range(options.since, options.until, whole_days=True)
    segmenter = Segmenter.from_settings(settings.terms)
    series = parse_all(options.terms, segmenter)
    with reading(settings) as warehouse:
        ids = term_ids(warehouse, series)
        notes = _notes(warehouse, segmenter.digest, series, ids)
        sql, _ = build_query(series, ids, options, window)
        columns, rows = exports.run_trend(warehouse, sql)
    if not rows:
        notes.append("no articles in the range" + (f" on {site}" if site else ""))
    measure = "share" if options.share else "stories" if options.dedupe else "articles"
    return TrendResult(columns, rows, series, by, measure, notes)


def build_query(series: Sequence[Series], ids: dict[str, int], options: TrendOptions,
                window: Range) -> tuple[str, dict[str, Any]]:
    """The trend SQL (pipeline.store.exports.trend_sql, values inlined) and no
    parameters.

    One-word series without --dedupe read the daily counts (`term_days`, recounted
    per month and sorted by term_id: a few row groups per month).  A series of several
    words counts articles mentioning any of them once, and --dedupe counts clusters:
    both need the article rows (`term_rows` with `term_docs`), exact and slower.
    """
    first, last = window.days()
    pairs = [(n, ids[t]) for n, s in enumerate(series) for t in s.terms if t in ids]
    exact = options.dedupe or any(len(s.terms) > 1 for s in series)
    return exports.trend_sql(pairs, [s.label for s in series], by=options.by,
                             site=options.site, first=first, last=last, share=options.share,
                             dedupe=options.dedupe, exact=exact), {}


def _notes(warehouse: Reader, version: str, series: Sequence[Series],
           ids: dict[str, int]) -> list[str]:
    notes = []
    missing = [t for s in series for t in s.terms if t not in ids]
    if missing:
        notes.append(f"never indexed: {', '.join(missing)} (counted as 0)")
    behind, months = warehouse.index_lag(version)
    if behind > 0:
        notes.append(f"{behind} articles are not indexed with the current dictionary; "
                     "run `newsvault terms` for exact counts")
    if months > 0:
        notes.append(f"the daily counts of {months} months await a recount (an index run "
                     "was interrupted); run `newsvault terms`")
    return notes


def plot(result: TrendResult, path: str, settings: Settings,
         size: tuple[int, int] | None = None) -> str:
    """Draw the result's lines (share in percent) into a PNG; returns the font used."""
    from pipeline.analyze import plot as plotting

    column = result.columns.index(result.measure)
    scale = 100.0 if result.measure == "share" else 1.0
    lines: dict[str, list[tuple[dt.date, float]]] = {s.label: [] for s in result.series}
    for row in result.rows:
        lines[row[1]].append((row[0], float(row[column]) * scale))
    ylabel = {"share": "% of all articles", "stories": "stories (reposts counted once)",
              "articles": "articles mentioning"}[result.measure]
    if result.measure == "share" and "stories" in result.columns:
        ylabel = "% of all stories (reposts counted once)"
    title = f"Per {result.by}: " + ", ".join(lines)
    font = plotting.find_font(settings.trend.font, title)
    plotting.draw(path, plotting.Chart(title, ylabel, lines), font=font,
                  size=size or plotting.DEFAULT_SIZE)
    return str(font)
