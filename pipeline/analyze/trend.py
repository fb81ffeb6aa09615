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

import duckdb

from pipeline.analyze.filters import (
    Range,
    Series,
    check_site,
    literal,
    parse_all,
    parse_range,
    term_ids,
)
from pipeline.config.settings import Settings
from pipeline.core.errors import QueryError, UsageError
from pipeline.index.segment import Segmenter
from pipeline.store.warehouse import Warehouse

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
    by, site, share, dedupe = options.by, options.site, options.share, options.dedupe
    if by not in PERIODS:
        raise UsageError(f"--by must be one of {', '.join(PERIODS)}, got {by!r}")
    if not options.terms:
        raise UsageError("give at least one TERM, e.g. newsvault trend 智谱 DeepSeek")
    check_site(settings, site)
    window = parse_range(options.since, options.until, whole_days=True)
    segmenter = Segmenter.from_settings(settings.terms)
    series = parse_all(options.terms, segmenter)
    with Warehouse.open_waiting(settings.warehouse, read_only=True) as warehouse:
        ids = term_ids(warehouse.con, series)
        notes = _notes(warehouse.con, segmenter.digest, series, ids)
        sql, params = build_query(series, ids, by=by, site=site, window=window, share=share,
                                  dedupe=dedupe)
        try:
            cursor = warehouse.con.execute(sql, params) if params else warehouse.con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(f"trend query failed: {str(exc).splitlines()[0]}") from None
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if not rows:
        notes.append("no articles in the range" + (f" on {site}" if site else ""))
    measure = "share" if share else "stories" if dedupe else "articles"
    return TrendResult(columns, rows, series, by, measure, notes)


def build_query(series: Sequence[Series], ids: dict[str, int], *, by: str,
                site: str | None, window: Range, share: bool, dedupe: bool
                ) -> tuple[str, dict[str, Any]]:
    """The trend SQL (values inlined, see filters.literal) and no parameters.

    One-word series without --dedupe read the daily counts (`term_days`, recounted
    per month and sorted by term_id: a few row groups per month).  A series of several
    words counts articles mentioning any of them once, and --dedupe counts clusters:
    both need the article rows (`term_rows` with `term_docs`), exact and slower.
    """
    first, last = window.days()
    period = f"CAST(date_trunc('{by}', day) AS DATE)"
    days = (f"day BETWEEN {literal(first or dt.date(1, 1, 1))} "
            f"AND {literal(last or dt.date(9999, 12, 31))}")

    def where(site_column: str = "site") -> str:
        return days + (f" AND {site_column} = {literal(site)}" if site else "")

    pairs = [(n, ids[t]) for n, s in enumerate(series) for t in s.terms if t in ids]
    values = ", ".join(f"({n}, {term_id})" for n, term_id in pairs) or "(NULL, NULL)"
    id_list = ", ".join(str(term_id) for _, term_id in pairs) or "NULL"
    labels = ", ".join(f"({n}, {literal(s.label)})" for n, s in enumerate(series))
    exact = dedupe or any(len(s.terms) > 1 for s in series)
    if exact:
        counts = f"""
    SELECT s.n, {period} AS period, count(DISTINCT d.cluster) AS stories,
           count(DISTINCT r.doc) AS articles, sum(r.count)::BIGINT AS mentions
    FROM term_rows AS r JOIN series AS s USING (term_id) JOIN term_docs AS d USING (doc, day)
    WHERE r.term_id IN ({id_list}) AND {where("d.site")}
    GROUP BY ALL"""
    else:
        counts = f"""
    SELECT s.n, {period} AS period, sum(articles)::BIGINT AS articles,
           sum(mentions)::BIGINT AS mentions
    FROM term_days JOIN series AS s USING (term_id)
    WHERE term_id IN ({id_list}) AND {where()}
    GROUP BY ALL"""
    if dedupe:
        totals = (f"SELECT {period} AS period, count(DISTINCT cluster) AS total "
                  f"FROM term_docs WHERE {where()} GROUP BY ALL")
    else:
        totals = (f"SELECT {period} AS period, sum(articles)::BIGINT AS total "
                  f"FROM site_daily WHERE {where()} GROUP BY ALL")
    measure = "stories" if dedupe else "articles"
    extra = (f", g.total AS all_{measure}, round(coalesce(c.{measure}, 0) / g.total, 6) "
             "AS share") if share else ""
    sql = f"""
WITH series(n, term_id) AS (VALUES {values}),
labels(n, label) AS (VALUES {labels}),
counts AS ({counts}
),
grid AS (SELECT t.period, t.total, l.n, l.label FROM ({totals}) AS t CROSS JOIN labels AS l)
SELECT g.period, g.label AS term,
       {"coalesce(c.stories, 0) AS stories, " if dedupe else ""}coalesce(c.articles, 0) AS articles,
       coalesce(c.mentions, 0) AS mentions{extra}
FROM grid AS g LEFT JOIN counts AS c USING (n, period)
ORDER BY g.period, g.n
"""
    return sql, {}


def _notes(con: duckdb.DuckDBPyConnection, version: str, series: Sequence[Series],
           ids: dict[str, int]) -> list[str]:
    notes = []
    missing = [t for s in series for t in s.terms if t not in ids]
    if missing:
        notes.append(f"never indexed: {', '.join(missing)} (counted as 0)")
    row = con.execute("SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM term_docs "
                      f"WHERE index_version = {literal(version)}), "
                      "(SELECT count(DISTINCT month) FROM term_recount)").fetchone()
    behind, months = (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
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
    plotting.draw(path, title, ylabel, lines, font=font, size=size or plotting.DEFAULT_SIZE)
    return str(font)
