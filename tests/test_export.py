"""`newsvault export`: RFC 4180 CSV (BOM only for Excel), partitioned Parquet, JSON lines,
filters, columns, manifests, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as pads
import pytest

from tests.archive import TRICKY
from tests.clirun import error_line, nv

COLUMNS = ["article_id", "site", "title", "body", "source"]


def stored(where: str = "TRUE") -> list[tuple]:
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        return con.execute(f"SELECT {', '.join(COLUMNS)} FROM articles WHERE {where} "
                           "ORDER BY rowid").fetchall()  # storage order: streamed, not sorted
    finally:
        con.close()


@pytest.mark.parametrize("excel", [False, True])
def test_csv_reads_back_the_same_rows_through_pandas(archive, excel):
    assert nv("export", "--format", "csv", "--out", "x.csv", "--columns", ",".join(COLUMNS),
              *(["--excel"] if excel else [])) == 0
    frame = pd.read_csv("x.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig" if excel else "utf-8")
    assert list(frame.columns) == COLUMNS
    assert [tuple(r) for r in frame.itertuples(index=False)] == stored()


def test_csv_reads_back_the_same_rows_through_duckdb(archive):
    assert nv("export", "--format", "csv", "--out", "x.csv", "--columns", ",".join(COLUMNS)) == 0
    back = duckdb.sql("SELECT * FROM read_csv('x.csv', all_varchar = true)").fetchall()
    assert back == stored()
    assert any(TRICKY in row[3] for row in back)  # quotes, commas, newlines, emoji


@pytest.mark.parametrize("excel,first_bytes", [(False, b"article_id"), (True, b"\xef\xbb\xbf")])
def test_the_byte_order_mark_is_there_only_for_excel(archive, excel, first_bytes):
    assert nv("export", "--format", "csv", "--out", "x.csv", *(["--excel"] if excel else [])) == 0
    data = Path("x.csv").read_bytes()
    assert data.startswith(first_bytes)
    assert data.count(b"\xef\xbb\xbf") == (1 if excel else 0)


def test_csv_records_end_with_crlf_and_quote_what_needs_it(archive):
    assert nv("export", "--format", "csv", "--out", "x.csv", "--columns", "article_id,body") == 0
    data = Path("x.csv").read_bytes().decode("utf-8")
    assert data.startswith("article_id,body\r\n")
    assert 'He said ""yes, and no"",\n然后说' in data  # quotes doubled, newline inside
    assert data.count('"') % 2 == 0


def test_partitioned_parquet_reads_back_with_hive_partitioning(archive, capsys):
    assert nv("export", "--format", "parquet", "--partition", "--out", "lake") == 0
    assert "exported 66 articles to 6 files in lake" in capsys.readouterr().out
    files = sorted(str(p.relative_to("lake")) for p in Path("lake").rglob("*.parquet"))
    assert files[0] == "site=36kr/month=2026-09/data_0.parquet" and len(files) == 6
    con = duckdb.connect()
    by_duckdb = con.execute("SELECT site, month, count(*) FROM read_parquet('lake/**/*.parquet', "
                            "hive_partitioning = true) GROUP BY ALL ORDER BY ALL").fetchall()
    table = pads.dataset("lake", format="parquet", partitioning="hive").to_table()
    by_arrow = table.group_by(["site", "month"]).aggregate([("article_id", "count")])
    assert sorted(map(tuple, by_arrow.to_pandas().itertuples(index=False))) == by_duckdb
    assert sum(n for _, _, n in by_duckdb) == 66
    frame = pd.read_parquet("lake")
    assert sorted(frame["article_id"]) == sorted(r[0] for r in stored())


def test_a_new_partitioned_export_replaces_the_old_folder(archive):
    assert nv("export", "--format", "parquet", "--partition", "--out", "lake") == 0
    assert nv("export", "--format", "parquet", "--partition", "--out", "lake",
              "--site", "netease") == 0
    assert {p.parent.parent.name for p in Path("lake").rglob("*.parquet")} == {"site=netease"}
    assert [p.name for p in Path(".").iterdir() if p.name.startswith(".lake")] == []


def test_jsonl_reads_back(archive):
    assert nv("export", "--format", "jsonl", "--out", "x.jsonl") == 0
    records = [json.loads(line) for line in Path("x.jsonl").read_text("utf-8").splitlines()]
    assert [(r["article_id"], r["body"]) for r in records] == [(r[0], r[3]) for r in stored()]
    assert records[0]["tags"] == ["科技", "AI"]


@pytest.mark.parametrize("args,where", [
    (["--site", "36kr"], "site = '36kr'"),
    (["--since", "2026-10-05", "--until", "2026-10-11"],
     "published_at >= TIMESTAMPTZ '2026-10-05 00:00:00+08' "
     "AND published_at < TIMESTAMPTZ '2026-10-12 00:00:00+08'"),
    (["--term", "智谱"], "strpos(title || body, '智谱') > 0"),
    (["--term", "智谱|壁仞"],
     "strpos(title || body, '智谱') > 0 OR strpos(title || body, '壁仞') > 0"),
    (["--term", "算力", "--term", "金融"],
     "strpos(title || body, '算力') > 0 AND strpos(title || body, '金融') > 0"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_filters_select_the_same_articles_as_sql(archive, args, where):
    assert nv("export", "--format", "jsonl", "--out", "x.jsonl", *args) == 0
    got = [json.loads(line)["article_id"] for line in Path("x.jsonl").read_text().splitlines()]
    expected = [r[0] for r in stored(where)]
    assert got == expected and expected


def test_a_manifest_is_written_beside_the_export(archive):
    assert nv("export", "--format", "csv", "--out", "x.csv", "--site", "36kr", "--term",
              "智谱", "--columns", "article_id,title") == 0
    manifest = json.loads(Path("x.csv.manifest.json").read_text("utf-8"))
    assert manifest["rows"] == len(stored("site = '36kr' AND strpos(title || body, '智谱') > 0"))
    assert manifest["filters"] == {"site": "36kr", "since": None, "until": None,
                                   "terms": ["智谱"]}
    assert manifest["columns"] == ["article_id", "title"] and manifest["excel_bom"] is False
    assert manifest["query"].startswith("SELECT article_id, title FROM articles WHERE")
    assert manifest["created_at"].endswith("+00:00")


@pytest.mark.parametrize("args,message", [
    (["--format", "csv", "--out", "nofolder/x.csv"], "the folder nofolder does not exist"),
    (["--format", "csv", "--out", "news.duckdb/x.csv"], "is a file, not a folder"),
    (["--format", "parquet", "--out", "x.parquet", "--excel"], "--excel is for --format csv"),
    (["--format", "csv", "--out", "x.csv", "--partition"], "--partition is for --format parquet"),
    (["--format", "csv", "--out", "x.csv", "--columns", "title,nope"], "unknown column nope"),
    (["--format", "csv", "--out", "x.csv", "--term", "智谱*"], "'*' is not allowed in a word"),
    (["--format", "csv", "--out", "x.csv", "--since", "2026-10-02", "--until", "2026-10-01"],
     "the range is empty"),
    (["--format", "parquet", "--partition", "--out", "news.duckdb"], "is a file"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(archive, capsys, args, message):
    before = sorted(p.name for p in Path(".").iterdir())
    assert nv("export", *args) == 2
    assert message in error_line(capsys)
    assert sorted(p.name for p in Path(".").iterdir()) == before


@pytest.mark.parametrize("fmt,extra", [("csv", []), ("jsonl", []), ("parquet", []),
                                       ("csv", ["--term", "智谱|壁仞"])])
def test_the_same_warehouse_exports_the_same_bytes(archive, fmt, extra):
    """Streamed in storage order on one thread: no sort, yet no run-to-run shuffle."""
    assert nv("export", "--format", fmt, "--out", "a", *extra) == 0
    assert nv("export", "--format", fmt, "--out", "b", *extra) == 0
    assert Path("a").read_bytes() == Path("b").read_bytes()
