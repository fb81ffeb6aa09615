"""`newsvault sql` is a sandbox: one read-only query on the warehouse, nothing else.

Every escape attempt exits 2 with one line saying what is allowed, and leaves the
warehouse's bytes as they were (no WAL appears), writes no file and reads none."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from pipeline.store.warehouse import Warehouse
from tests.clirun import error_line, nv

SECRET = "outside-secret-line"
ESCAPES = [
    # leaving the read-only catalog
    "USE memory; DETACH nv; ATTACH '{wh}' AS w; DROP TABLE w.articles CASCADE",
    "USE memory",
    "DETACH nv",
    "DETACH DATABASE nv",
    "ATTACH '{wh}' AS w",
    "ATTACH '{out}/new.duckdb' AS w",
    # writing files
    "COPY (SELECT 1) TO '{wh}'",
    "COPY (SELECT 1) TO '{wh}.wal'",
    "COPY articles TO '{out}/articles.csv'",
    "EXPORT DATABASE '{out}/dump'",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{wh}'",
    # reading files, on any path (outside, the warehouse itself, /etc)
    "SELECT * FROM read_text('/etc/shadow')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_text('{outside}/secret.csv')",
    "SELECT * FROM read_blob('{wh}')",
    "SELECT * FROM read_csv('{outside}/secret.csv')",
    "SELECT * FROM read_csv_auto('{outside}/secret.csv')",
    "SELECT * FROM read_parquet('{outside}/secret.parquet')",
    "SELECT * FROM parquet_scan('{outside}/secret.parquet')",
    "SELECT * FROM parquet_metadata('{outside}/secret.parquet')",
    "SELECT * FROM read_json('{outside}/secret.json')",
    "SELECT * FROM sniff_csv('{outside}/secret.csv')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM glob('{outside}/*')",
    "SELECT * FROM '{outside}/secret.csv'",
    "FROM 'secret.csv'",
    "DESCRIBE '{outside}/secret.csv'",
    "SELECT (SELECT count(*) FROM read_text('/etc/passwd')) AS n",
    "WITH t AS (FROM read_text('/etc/passwd')) SELECT * FROM t",
    "SELECT * FROM articles, LATERAL (SELECT * FROM read_text('/etc/passwd'))",
    "EXPLAIN ANALYZE SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM system.main.read_text('/etc/passwd')",
    # running other SQL through a function
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query_table('articles')",
    "SELECT * FROM checkpoint()",
    "SELECT * FROM ducklake_cleanup_old_files('nv')",
    # extensions
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '{outside}/evil.duckdb_extension'",
    "UPDATE EXTENSIONS",
    "SELECT * FROM read_csv('https://example.com/x.csv')",
    # configuration
    "SET enable_external_access = true",
    "SET memory_limit = '1GB'",
    "RESET memory_limit",
    "SET VARIABLE x = 1",
    "PRAGMA enable_profiling",
    "PRAGMA memory_limit = '1GB'",
    "PRAGMA show_tables",
    "CALL pragma_version()",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    # writing the warehouse or the session
    "CREATE TABLE t AS SELECT 1",
    "CREATE TEMP TABLE t AS SELECT 1",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m() AS 1",
    "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "INSERT INTO articles SELECT * FROM articles",
    "UPDATE articles SET title = 'x'",
    "DELETE FROM articles",
    "TRUNCATE articles",
    "DROP TABLE articles",
    "DROP TABLE articles CASCADE",
    "ALTER TABLE articles ADD COLUMN x INTEGER",
    "COMMENT ON TABLE articles IS 'x'",
    "EXPLAIN ANALYZE DELETE FROM articles",
    "BEGIN",
    "VACUUM",
    "ANALYZE",
    "PREPARE p AS SELECT 1",
    # several statements
    "SELECT 1; SELECT 2",
    "SELECT 1; DROP TABLE articles",
    "SELECT count(*) FROM articles;; DELETE FROM articles",
    # nothing at all
    "",
    "   ",
    "-- c",
    "/* nothing */",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files an analyst might want to join, outside the warehouse."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.csv").write_text(f"line\n{SECRET}\n", encoding="utf-8")
    (folder / "secret.json").write_text(json.dumps({"line": SECRET}), encoding="utf-8")
    duckdb.sql(f"COPY (SELECT '{SECRET}' AS line) TO '{folder / 'secret.parquet'}'")
    return folder


@pytest.mark.parametrize("template", ESCAPES)
def test_an_escape_attempt_exits_2_and_changes_nothing(archive, outside, tmp_path, capsys,
                                                       template):
    out = tmp_path / "written"
    out.mkdir()
    Path("secret.csv").write_text(f"line\n{SECRET}\n", encoding="utf-8")
    query = template.format(wh=archive.resolve(), outside=outside, out=out)
    before = sha256(archive)
    files = sorted(p.name for p in Path(".").iterdir())
    capsys.readouterr()
    assert nv("sql", query) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and SECRET not in captured.err
    message = captured.err.strip()
    assert message.count("\n") == 0 and message.startswith("newsvault: ")
    assert sha256(archive) == before
    assert not Path(f"{archive}.wal").exists()
    assert sorted(p.name for p in Path(".").iterdir()) == files
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("query", [
    "CREATE TABLE t AS SELECT 1", "COPY articles TO 'x.csv'", "INSTALL httpfs", "SET x = 1",
    "PRAGMA show_tables", "SELECT 1; SELECT 2", "ATTACH 'x.duckdb'",
])
def test_the_refusal_says_what_is_allowed(archive, capsys, query):
    capsys.readouterr()
    assert nv("sql", query) == 2
    assert "one read-only query (SELECT, WITH, VALUES" in error_line(capsys)


@pytest.mark.parametrize("query", ["", "   ", "-- c"])
def test_an_empty_query_says_so(archive, capsys, query):
    capsys.readouterr()
    assert nv("sql", query) == 2
    assert "the query is empty: give one read-only query" in error_line(capsys)


def test_a_pivot_without_its_values_says_how(archive, capsys):
    capsys.readouterr()
    assert nv("sql", "PIVOT articles ON site USING count(*)") == 2
    assert "name the values, e.g. PIVOT articles ON site IN (" in error_line(capsys)


@pytest.mark.parametrize("query", [
    "SELECT read_text FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
])
def test_a_file_function_is_named(archive, capsys, query):
    capsys.readouterr()
    assert nv("sql", query) == 2
    line = error_line(capsys)
    assert "table function" in line and "README" in line


@pytest.mark.parametrize("query,rows", [
    ("SELECT count(*) FROM articles", [(66,)]),
    ("  -- a comment first\nSELECT count(*) FROM articles;", [(66,)]),
    ("WITH a AS (SELECT site FROM articles) SELECT count(DISTINCT site) FROM a", [(2,)]),
    ("FROM articles SELECT count(*)", [(66,)]),
    ("VALUES (1, 'a')", [(1, "a")]),
    ("SELECT count(*) FROM article_days", [(66,)]),
    ("SELECT count(*) > 0 FROM terms", [(True,)]),
    ("SELECT count(*) > 0 FROM term_daily", [(True,)]),
    ("SELECT count(*) FROM nv.main.articles", [(66,)]),
    ("(SELECT 1) UNION ALL (SELECT 2) ORDER BY 1", [(1,), (2,)]),
    ("SELECT * FROM range(3)", [(0,), (1,), (2,)]),
    ("SELECT unnest([1, 2])", [(1,), (2,)]),
    ("SELECT count(*) FROM json_each('{\"a\": 1, \"b\": 2}')", [(2,)]),
    ("SELECT count(*) > 3 FROM duckdb_tables()", [(True,)]),
    ("SELECT count(*) > 3 FROM information_schema.tables", [(True,)]),
])
def test_queries_still_answer(archive, query, rows):
    settings = settings_mod.load([], {"warehouse.path": str(archive)}, environ={})
    from pipeline.analyze.query import sql

    assert sql(settings, query)[1] == rows


@pytest.mark.parametrize("query,column", [
    ("DESCRIBE articles", "column_name"),
    ("SHOW TABLES", "name"),
    ("SUMMARIZE SELECT title FROM articles", "column_name"),
    ("EXPLAIN SELECT count(*) FROM articles", "explain_key"),
    ("EXPLAIN ANALYZE SELECT count(*) FROM articles", "explain_key"),
    ("PIVOT (SELECT site, kind FROM articles) ON site IN ('36kr', 'netease') USING count(*) "
     "GROUP BY kind", "kind"),
])
def test_describing_and_explaining_work(archive, capsys, query, column):
    capsys.readouterr()
    before = sha256(archive)
    assert nv("sql", query, "--csv") == 0
    assert capsys.readouterr().out.splitlines()[0].split(",")[0] == column
    assert sha256(archive) == before


def test_parameters_still_bind(archive):
    from pipeline.analyze.query import sql

    settings = settings_mod.load([], {"warehouse.path": str(archive)}, environ={})
    assert sql(settings, "SELECT count(*) FROM articles WHERE site = ?", ["36kr"])[1][0][0] > 0


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("duckdb_extension_ducklake") is None,
                    reason="duckdb-extension-ducklake is not installed")
def test_a_ducklake_catalog_reads_its_parquet_files_and_nothing_else(archive, outside,
                                                                     tmp_path, capsys):
    lake = tmp_path / "lake"
    lake.mkdir()
    config = tmp_path / "lake.toml"
    config.write_text(f"[warehouse]\nattach = 'ducklake:{lake}/meta.ducklake'\n"
                      f"attach_options = \"DATA_PATH '{lake}/data/'\"\n"
                      "extensions = ['ducklake']\n", encoding="utf-8")
    settings = settings_mod.load([config], environ={})
    source = tmp_path / "source.duckdb"
    shutil.copy(archive, source)
    with Warehouse.open(settings.warehouse) as wh:
        wh.con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        wh.con.execute("INSERT INTO articles SELECT * FROM src.articles")
        wh.con.execute("CALL ducklake_flush_inlined_data('nv')")
    assert list((lake / "data").rglob("*.parquet"))  # the rows are in Parquet files
    capsys.readouterr()
    lake_config = ["--config", str(config)]
    assert main([*lake_config, "sql", "SELECT count(*) AS n FROM articles", "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "66"]
    assert main([*lake_config, "sql", "SELECT count(*) FROM ducklake_snapshots('nv')"]) == 0
    for query in (f"SELECT * FROM glob('{lake}/data/**')",
                  f"SELECT * FROM read_parquet('{lake}/data/**/*.parquet')",
                  f"SELECT * FROM read_blob('{lake}/meta.ducklake')",
                  f"SELECT * FROM read_csv('{outside}/secret.csv')",
                  "SELECT * FROM ducklake_expire_snapshots('nv', dry_run => false)",
                  f"COPY (SELECT 1) TO '{lake}/data/x.parquet'"):
        capsys.readouterr()
        assert main([*lake_config, "sql", query]) == 2, query
        assert SECRET not in capsys.readouterr().err


def test_the_session_itself_is_locked(archive):
    """Even a query that passed the parser could not switch the walls off."""
    from pipeline.store.sandbox import lock_down

    settings = settings_mod.load([], {"warehouse.path": str(archive)}, environ={})
    with Warehouse.open(settings.warehouse, read_only=True) as wh:
        lock_down(wh.con)
        for statement in ("SET enable_external_access = true", "SET lock_configuration = false",
                          "SELECT * FROM read_text('/etc/passwd')", "LOAD httpfs",
                          f"COPY (SELECT 1) TO '{archive.resolve()}.csv'"):
            with pytest.raises(duckdb.Error):
                wh.con.execute(statement)
