"""The SQL of the analyst commands: an export's SELECT and COPY, a trend's counts.

pipeline.analyze.export and pipeline.analyze.trend parse and check what the user asked
for and shape the output; the queries are written and run here.  Values are inlined
(see queries.literal): with parameters duckdb 1.5 imports pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from pipeline.core.errors import QueryError
from pipeline.store.queries import literal
from pipeline.store.warehouse import Warehouse

# Bounded memory (a million articles, 5 GiB of text, export in under 1 GiB of RSS): rows
# stream from the table to the file in the order they are stored, one thread, nothing
# sorted; Parquet row groups of 16,384 rows; a partitioned export keeps at most four files
# open and hands rows over every 16,384.  (Sorting a million bodies took 3.6 GiB.)
STREAMING = {"memory_limit": "'512MB'", "threads": "1", "preserve_insertion_order": "true",
             "partitioned_write_max_open_files": "4",
             "partitioned_write_flush_threshold": "16384",
             "disabled_optimizers": "'build_side_probe_side'"}
_OPTIONS = {"csv": "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
                   "NEW_LINE '\r\n'",
            "parquet": "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384",
            "jsonl": "FORMAT json"}


# ---------------------------------------------------------------------------- exports

def article_columns(warehouse: Warehouse) -> list[str]:
    """The columns of `articles`, in table order (team mode's view shows its row id as
    a column, which is not the article's)."""
    return [r[0] for r in warehouse.con.execute(
        "SELECT column_name FROM (DESCRIBE articles) WHERE column_name <> 'rowid'"
    ).fetchall()]


def select_articles(columns: Sequence[str], fmt: str, site: str | None,
                    since: dt.datetime | None, until: dt.datetime | None,
                    term_groups: Sequence[Sequence[int]], partition: bool
                    ) -> tuple[str, dict[str, Any]]:
    """The SELECT an export copies, and its parameters: articles of `site` published in
    [since, until), mentioning a term of each group (vocabulary ids; an empty group
    matches nothing)."""
    exprs = ["array_to_string(tags, ',') AS tags" if c == "tags" and fmt == "csv" else c
             for c in columns]
    if partition:
        exprs += ["site AS site", "strftime(timezone('Asia/Shanghai', published_at), "
                  "'%Y-%m') AS month"]
        exprs = [e for e in exprs if e != "site"]
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if site:
        clauses.append("site = $site")
        params["site"] = site
    if since:
        clauses.append("published_at >= $since")
        params["since"] = since
    if until:
        clauses.append("published_at < $until")
        params["until"] = until
    for group in term_groups:
        found = [str(int(term_id)) for term_id in group]
        clauses.append("article_id IN (SELECT d.article_id FROM term_rows JOIN term_docs AS d "
                       f"USING (doc) WHERE term_id IN ({', '.join(found)}))" if found
                       else "FALSE")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    select = f"SELECT {', '.join(exprs)} FROM articles{where}"
    return select, params


def copy_to(warehouse: Warehouse, select: str, params: dict[str, Any], fmt: str,
            tmp: Path, spill: Path, partition: bool) -> tuple[int, list[str]]:
    """COPY the selection into `tmp` (a file, or a folder when partitioned), streaming;
    returns the rows written and, partitioned, the files (relative to `tmp`)."""
    con = warehouse.con
    options = _OPTIONS[fmt] + (", PARTITION_BY (site, month), RETURN_FILES true"
                               if partition else ", USE_TMP_FILE false")
    spill.mkdir()
    for name, value in STREAMING.items():
        con.execute(f"SET {name} = {value}")
    # Should DuckDB spill (a large --term join), it does so beside the target: room for
    # the export means room for the spill.
    con.execute(f"SET temp_directory = {literal(str(spill))}")
    try:
        row = con.execute(f"COPY ({select}) TO {literal(str(tmp))} ({options})",
                          params).fetchone()
    except duckdb.Error as exc:
        raise QueryError(f"export failed: {str(exc).splitlines()[0]}") from None
    assert row is not None
    files = sorted(str(Path(f).relative_to(tmp)) for f in row[1]) if partition else []
    return int(row[0]), files


# ----------------------------------------------------------------------------- trends

def trend_sql(pairs: Sequence[tuple[int, int]], labels: Sequence[str], *, by: str,
              site: str | None, first: dt.date | None, last: dt.date | None,
              share: bool, dedupe: bool, exact: bool) -> str:
    """The trend SQL: per period and series, articles (and stories with `dedupe`) and
    mentions, zero-filled over the periods with articles.

    `pairs` are (series number, term id).  Without `exact` it reads the daily counts
    (`term_days`, recounted per month and sorted by term_id: a few row groups per
    month); `exact` (a series of several words, or `dedupe`) counts the article rows
    (`term_rows` with `term_docs`): each article once, slower."""
    period = f"CAST(date_trunc('{by}', day) AS DATE)"
    days = (f"day BETWEEN {literal(first or dt.date(1, 1, 1))} "
            f"AND {literal(last or dt.date(9999, 12, 31))}")

    def where(site_column: str = "site") -> str:
        return days + (f" AND {site_column} = {literal(site)}" if site else "")

    values = ", ".join(f"({int(n)}, {int(term_id)})" for n, term_id in pairs) or "(NULL, NULL)"
    id_list = ", ".join(str(int(term_id)) for _, term_id in pairs) or "NULL"
    label_rows = ", ".join(f"({n}, {literal(label)})" for n, label in enumerate(labels))
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
    return f"""
WITH series(n, term_id) AS (VALUES {values}),
labels(n, label) AS (VALUES {label_rows}),
counts AS ({counts}
),
grid AS (SELECT t.period, t.total, l.n, l.label FROM ({totals}) AS t CROSS JOIN labels AS l)
SELECT g.period, g.label AS term,
       {"coalesce(c.stories, 0) AS stories, " if dedupe else ""}coalesce(c.articles, 0) AS articles,
       coalesce(c.mentions, 0) AS mentions{extra}
FROM grid AS g LEFT JOIN counts AS c USING (n, period)
ORDER BY g.period, g.n
"""


def run_trend(warehouse: Warehouse, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows of a trend query (`trend_sql`)."""
    try:
        cursor = warehouse.con.execute(sql)
    except duckdb.Error as exc:
        raise QueryError(f"trend query failed: {str(exc).splitlines()[0]}") from None
    return [d[0] for d in cursor.description], cursor.fetchall()
