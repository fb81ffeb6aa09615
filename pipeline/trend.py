"""Trends: how many articles mention each term, per day, week or month.

    result = trend(settings, ["智谱", "DeepSeek"], by="week", share=True)
    result.columns, result.rows      # period, term, articles, mentions, all_articles, share

Counts come from the term index (`terms`, filtered on the integer `term_id` so five
terms over a million articles take well under a second) and are zero-filled: every
period with at least one article in the range gets a row per term.  Periods are Beijing
days; weeks start on Monday; a period is named by its first day.

`share` divides by all articles of the period (the `site_daily` view: every stored
article, indexed or not).  `dedupe` counts stories instead of articles: near-duplicate
bodies (the same story on two sites or reposted by 网易号 accounts, see
pipeline.fingerprint) count once; its share divides by all stories of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from .errors import QueryError, UsageError
from .filters import Range, Series, check_site, parse_all, parse_range, term_ids
from .segment import Segmenter
from .settings import Settings
from .warehouse import Warehouse

PERIODS = ("day", "week", "month")


@dataclass
class TrendResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    series: list[Series]
    by: str
    measure: str                       # the column a plot draws
    notes: list[str] = field(default_factory=list)  # warnings for stderr


def trend(settings: Settings, specs: Sequence[str], *, by: str = "week",
          site: str | None = None, since: str | None = None, until: str | None = None,
          share: bool = False, dedupe: bool = False) -> TrendResult:
    """Counts per period and term; see the module docstring."""
    if by not in PERIODS:
        raise UsageError(f"--by must be one of {', '.join(PERIODS)}, got {by!r}")
    if not specs:
        raise UsageError("give at least one TERM, e.g. newsvault trend 智谱 DeepSeek")
    check_site(settings, site)
    window = parse_range(since, until, whole_days=True)
    segmenter = Segmenter.from_settings(settings.terms)
    series = parse_all(specs, segmenter)
    with Warehouse.open(settings.warehouse, read_only=True) as warehouse:
        ids = term_ids(warehouse.con, series)
        notes = _notes(warehouse.con, segmenter.digest, series, ids)
        sql, params = build_query(series, ids, by=by, site=site, window=window, share=share,
                                  dedupe=dedupe)
        try:
            cursor = warehouse.con.execute(sql, params)
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
    """The trend SQL and its parameters.

    Term ids go in as literal integers (so DuckDB prunes the scan with them); labels
    and everything else a user typed are parameters.
    """
    first, last = window.days()
    params: dict[str, Any] = {"first": first or dt.date.min, "last": last or dt.date.max,
                              "site": site, "labels": [s.label for s in series]}
    pairs = [(n, ids[t]) for n, s in enumerate(series) for t in s.terms if t in ids]
    series_rows = ", ".join(f"({n}, {term_id})" for n, term_id in pairs) or "(NULL, NULL)"
    id_list = ", ".join(str(term_id) for _, term_id in pairs) or "NULL"
    period = f"CAST(date_trunc('{by}', day) AS DATE)"
    where = "day BETWEEN $first AND $last AND ($site IS NULL OR site = $site)"
    unit = "cluster" if dedupe else "article_id"
    hits_from = ("terms JOIN term_docs USING (article_id, site, day)" if dedupe else "terms")
    if dedupe:
        totals = (f"SELECT {period} AS period, count(DISTINCT cluster) AS total "
                  f"FROM term_docs WHERE {where} GROUP BY ALL")
    else:
        totals = (f"SELECT {period} AS period, sum(articles)::BIGINT AS total "
                  f"FROM site_daily WHERE {where} GROUP BY ALL")
    total_name = "all_stories" if dedupe else "all_articles"
    share_cols = (f", g.total AS {total_name}, round(coalesce(c.units, 0) / g.total, 6) "
                  "AS share") if share else ""
    sql = f"""
WITH series(n, term_id) AS (VALUES {series_rows}),
labels AS (SELECT n - 1 AS n, label FROM unnest($labels::VARCHAR[]) WITH ORDINALITY AS l(label, n)),
hits AS (
    SELECT s.n, {period} AS period, {unit} AS unit, article_id, count
    FROM {hits_from} JOIN series AS s USING (term_id)
    WHERE term_id IN ({id_list}) AND {where}
),
counts AS (
    SELECT n, period, count(DISTINCT unit) AS units, count(DISTINCT article_id) AS articles,
           sum(count)::BIGINT AS mentions
    FROM hits GROUP BY ALL
),
grid AS (
    SELECT t.period, t.total, l.n, l.label FROM ({totals}) AS t CROSS JOIN labels AS l
)
SELECT g.period, g.label AS term,
       {"coalesce(c.units, 0) AS stories, " if dedupe else ""}coalesce(c.articles, 0) AS articles,
       coalesce(c.mentions, 0) AS mentions{share_cols}
FROM grid AS g LEFT JOIN counts AS c USING (n, period)
ORDER BY g.period, g.n
"""
    return sql, params


def _notes(con: duckdb.DuckDBPyConnection, version: str, series: Sequence[Series],
           ids: dict[str, int]) -> list[str]:
    notes = []
    missing = [t for s in series for t in s.terms if t not in ids]
    if missing:
        notes.append(f"never indexed: {', '.join(missing)} (counted as 0)")
    row = con.execute("SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM term_docs "
                      "WHERE index_version = $v)", {"v": version}).fetchone()
    behind = int(row[0]) if row and row[0] else 0
    if behind > 0:
        notes.append(f"{behind} articles are not indexed with the current dictionary; "
                     "run `newsvault terms` for exact counts")
    return notes


def plot(result: TrendResult, path: str, settings: Settings,
         size: tuple[int, int] | None = None) -> str:
    """Draw the result's lines (share in percent) into a PNG; returns the font used."""
    from . import plot as plotting

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
