"""Moving a DuckDB file archive into team mode (`newsvault migrate-to`, issue 16 point 1).

    with Lake.open(team_settings) as lake:
        moved = copy_archive(lake, "/data/news.duckdb")

The file is attached read-only beside the lake (as `src`). The lake's tables get the
file's captures, bodies, articles (as article_states), versions, extraction health and
term index, each table in one tagged DuckLake transaction that inserts only the rows
not there yet (by key), so a rerun adds nothing twice. The control state (frontier, list
items, runs and their rows, cooldowns, feed texts, backfill index and cursors, the term
vocabulary and document numbers) goes to nv_ctl with INSERT ... ON CONFLICT DO NOTHING,
in one PostgreSQL transaction, and the id sequences are raised above the file's ids.

Every migration is tagged in lake_batches as `migrate:<archive id>:...`; the archive id
is a digest of the file's first run, so a target that holds anything else is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import duckdb
import psycopg

from pipeline.core.errors import UsageError, WarehouseBusy, WarehouseError
from pipeline.store.queries import literal
from pipeline.store.team import runs as team_runs
from pipeline.store.team import schema
from pipeline.store.team.lake import Lake
from pipeline.store.team.session import full_text

NODE = "migrate"
# Lake table: (SELECT of its rows from the file, key columns a rerun must not repeat).
ARTICLE_STATE = ("article_id, site, kind, url, canonical_url, title, body, author, source, "
                 "published_at, tags, summary, lang, source_url, extractor, extractor_version, "
                 "decode_rule, provenance, content_hash, capture_id, first_seen_at, "
                 "fetched_at, updated_at, run_id, status, original_source, original_author")
LAKE_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "captures": ("SELECT *, $node AS node, $batch AS batch_id FROM src.captures",
                 ("capture_id",)),
    "bodies": ("SELECT sha256, codec, size, data FROM src.bodies", ("sha256",)),
    "article_states": (f"SELECT {ARTICLE_STATE}, $node AS node, $batch AS batch_id, "
                       "coalesce(greatest(fetched_at, updated_at), first_seen_at) AS stored_at "
                       "FROM src.articles", ("article_id", "capture_id", "content_hash")),
    "article_versions": ("SELECT *, $node AS node, $batch AS batch_id "
                         "FROM src.article_versions", ("article_id", "replaced_at")),
    "extraction_health": ("SELECT *, $node AS node FROM src.extraction_health",
                          ("run_id", "site")),
    "term_vocab": ("SELECT term_id, term FROM src.term_ids", ("term_id", "term")),
    "term_docs": ("SELECT *, $entry AS entry, $node AS node FROM src.term_docs",
                  ("article_id", "index_version", "content_hash")),
    "term_rows": ("SELECT *, $entry AS entry FROM src.term_rows", ("doc", "term_id")),
    "term_days": ("SELECT * EXCLUDE (compacted), true AS compacted FROM src.term_days", ()),
}
# Control table: (SELECT from the file, in nv_ctl's column names); parents before children.
CONTROL_TABLES: dict[str, str] = {
    "runs": "SELECT run_id, coalesce(command, 'crawl') AS command, coalesce(host, 'file') "
            "AS node, pid, sites, version, config_digest, started_at, "
            "coalesce(finished_at, started_at) AS heartbeat_at, finished_at, "
            "CASE outcome WHEN 'running' THEN 'interrupted' ELSE outcome END AS outcome, "
            "exit_code, summary, error, error_detail, progress, progress_at FROM src.runs",
    "run_sites": "SELECT * FROM src.run_sites",
    "run_lists": "SELECT * FROM src.run_lists",
    "run_counters": "SELECT * FROM src.run_counters",
    "frontier": "SELECT f.*, CASE WHEN f.state = 'done' THEN a.fetched_at END AS fetched_at "
                "FROM src.frontier f LEFT JOIN src.articles a USING (article_id)",
    "list_items": "SELECT * FROM src.list_items",
    "site_cooldowns": "SELECT * FROM src.site_cooldowns",
    "feed_items": "SELECT * FROM src.feed_items",
    "backfill_index": "SELECT * FROM src.backfill_index",
    "backfill_cursor": "SELECT * FROM src.backfill_cursor",
    "backfill_ids": "SELECT * FROM src.backfill_ids",
    # what each archived record read came to (the file derives it from its captures)
    "backfill_reads": "SELECT via, any_value(purpose) AS purpose, "
                      "bool_or(error IS NULL OR error LIKE 'refused-%') AS final, "
                      "count(*) FILTER (WHERE error IS NOT NULL AND error NOT LIKE "
                      "'refused-%') AS failures FROM src.captures WHERE via IS NOT NULL "
                      "AND purpose IN ('backfill', 'backfill-list') GROUP BY via",
    "term_ids": "SELECT term, term_id FROM src.term_ids",
    "term_docs": "SELECT article_id, min(doc) AS doc FROM src.term_docs GROUP BY article_id",
}
SEQUENCE_MAX = {"run": "SELECT max(run_id) FROM src.runs",
                "capture": "SELECT max(capture_id) FROM src.captures",
                "term": "SELECT max(term_id) FROM src.term_ids",
                "doc": "SELECT max(doc) FROM src.term_docs"}


def copy_archive(lake: Lake, source: str) -> dict[str, int]:
    """Copy the DuckDB file `source` into the lake and its control state; rows added
    per table (all 0 on a rerun of the same archive)."""
    con = lake.con
    try:
        con.execute(f"ATTACH {literal(source)} AS src (READ_ONLY)")
    except duckdb.Error as exc:
        raise WarehouseError(f"migrate-to: cannot open {source} read-only: "
                             f"{full_text(exc)}") from None
    try:
        assert lake.pg is not None
        schema.ensure(lake.pg)
        archive = archive_id(con)
        check_target(lake, archive)
        tag = f"migrate:{archive}"
        lake.commit(f"{tag}:start:{uuid.uuid4().hex[:8]}", None, "migrate", (0, 0),
                    lambda now: None)
        moved = {f"lake.{t}": _copy_lake_table(lake, tag, t) for t in LAKE_TABLES}
        moved.update(_copy_control(lake, con))
        return moved
    finally:
        con.execute("DETACH src")


def archive_id(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the file's first run: the same for every later state of that file."""
    row = con.execute("SELECT run_id, started_at, host FROM src.runs ORDER BY run_id "
                      "LIMIT 1").fetchone()
    if row is None:
        raise UsageError("migrate-to: the file warehouse has no runs yet; nothing to move")
    return hashlib.sha256("|".join(map(str, row)).encode()).hexdigest()[:16]


def check_target(lake: Lake, archive: str) -> None:
    """The target must be empty, or hold this archive's earlier migration."""
    ours = lake.con.execute("SELECT count(*) FROM lake_batches WHERE batch_id LIKE ?",
                            [f"migrate:{archive}:%"]).fetchone()
    if ours and ours[0]:
        return
    (captures,) = lake.con.execute("SELECT count(*) FROM captures").fetchone() or (0,)
    assert lake.pg is not None
    (runs,) = lake.pg.execute("SELECT count(*) FROM nv_ctl.runs").fetchone() or (0,)
    if captures or runs:
        raise UsageError(f"migrate-to: the target team warehouse is not empty ({runs} runs, "
                         f"{captures} captures) and holds no earlier migration of this "
                         "archive; migrate into a new, empty database")


def _copy_lake_table(lake: Lake, tag: str, table: str) -> int:
    select, keys = LAKE_TABLES[table]
    con = lake.con
    source = {"article_states": "articles", "term_vocab": "term_ids"}.get(table, table)
    if not _has_source(con, source):
        return 0
    if not keys and con.execute("SELECT count(*) FROM lake_batches WHERE batch_id LIKE ?",
                                [f"{tag}:{table}:%"]).fetchone()[0]:
        return 0  # counts without a key (term_days) are moved once
    batch = f"{tag}:{table}:{uuid.uuid4().hex[:8]}"
    columns = _columns(con, f"src_view_{table}", select.replace("$entry", literal(tag)), batch)
    match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in keys) or "false"
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} "
           f"FROM src_view_{table} s WHERE NOT EXISTS (SELECT 1 FROM {table} t "
           f"WHERE {match})")

    def work(now: Any) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row else 0
    return lake.commit(batch, None, "migrate", (0, 0), work) or 0


def _has_source(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' "
                      "AND table_name = ?", [table]).fetchone()
    return bool(row and row[0])


def _columns(con: duckdb.DuckDBPyConnection, view: str, select: str, batch: str
             ) -> list[str]:
    """A temp view of the file's rows; the columns it shares with the lake's table."""
    sql = select.replace("$node", literal(NODE)).replace("$batch", literal(batch))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {sql}")
    have = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]
    table = view.removeprefix("src_view_")  # the lake's, in the catalog in USE
    want = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    return [c for c in have if c in want]


def _copy_control(lake: Lake, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    pg = lake.pg
    assert pg is not None
    moved: dict[str, int] = {}
    try:
        with pg.transaction():
            for table, select in CONTROL_TABLES.items():
                source = select.split(" FROM src.")[1].split()[0]
                if _has_source(con, source):
                    moved[f"ctl.{table}"] = _copy_rows(pg, con, table, select)
            for kind, sql in SEQUENCE_MAX.items():
                source = sql.split("src.")[1].split()[0]
                top = con.execute(sql).fetchone() if _has_source(con, source) else None
                if top and top[0] is not None:
                    team_runs.raise_ids(pg, kind, int(top[0]))
    except psycopg.Error as exc:
        raise WarehouseError(f"migrate-to: writing the control state failed: "
                             f"{full_text(exc)}") from None
    return moved


def _copy_rows(pg: psycopg.Connection, con: duckdb.DuckDBPyConnection, table: str,
               select: str) -> int:
    """The file's rows into nv_ctl.`table` through a temp table; new keys only."""
    cursor = con.execute(select)
    have = [d[0] for d in cursor.description]
    want = {r[0] for r in pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'nv_ctl' "
        "AND table_name = %s", [table])}
    columns = [c for c in have if c in want]
    picks = [have.index(c) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    pg.execute(f"CREATE TEMP TABLE IF NOT EXISTS m_{table} "
               f"(LIKE nv_ctl.{table} INCLUDING DEFAULTS) ON COMMIT DROP")
    pg.execute(f"TRUNCATE m_{table}")
    with pg.cursor().copy(f"COPY m_{table} ({names}) FROM STDIN") as copy:
        while rows := cursor.fetchmany(5000):
            for row in rows:
                copy.write_row([row[i] for i in picks])
    return pg.execute(f"INSERT INTO nv_ctl.{table} ({names}) SELECT {names} FROM m_{table} "
                      "ON CONFLICT DO NOTHING").rowcount


def warc_files(source: str) -> list[str]:
    """The WARC files the file's captures point at (names below its archive folder, or
    absolute paths of imported files)."""
    try:
        con = duckdb.connect(source, read_only=True)
    except duckdb.Error as exc:
        text = full_text(exc)
        if "lock" in text.lower():
            raise WarehouseBusy(f"migrate-to: {source} is in use by another process (a "
                                "crawl?); run it when that has finished") from None
        raise WarehouseError(f"migrate-to: cannot open {source} read-only: {text}") from None
    try:
        return [r[0] for r in con.execute("SELECT DISTINCT warc_file FROM captures WHERE "
                                          "warc_file IS NOT NULL ORDER BY 1").fetchall()]
    finally:
        con.close()
