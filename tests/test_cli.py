"""The command line: outputs, clear one-line errors and documented exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main
from pipeline.store.lock import RunLock
from tests.clirun import error_line, nv
from tests.crawled import Published
from tests.fakesites import Fake36Kr, fill


@pytest.fixture
def crawled(config: Path, crawled_copy) -> Path:
    """./news.duckdb as a crawl of 2 articles, 2 newsflashes and 2 NetEase stories leaves it."""
    return crawled_copy(Published(articles=2, flashes=2, netease=(("yaowen", 2, "2021"),)))


def test_sql_prints_a_table(crawled, capsys):
    capsys.readouterr()
    assert nv("sql", "SELECT site, count(*) AS n FROM articles GROUP BY site ORDER BY site") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["site", "n"]
    assert out[1].split() == ["36kr", "4"] and out[2].split() == ["netease", "2"]


def test_sql_csv_and_json(crawled, capsys):
    capsys.readouterr()
    nv("sql", "SELECT article_id, tags FROM articles WHERE site = 'netease' ORDER BY 1", "--csv")
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == ["article_id", "tags"] and table[1][1] == "测试,news,人工智能"
    nv("sql", "SELECT article_id, published_at FROM articles LIMIT 1", "--json")
    row = json.loads(capsys.readouterr().out)
    assert row["published_at"].endswith("+08:00")


@pytest.mark.parametrize("query,message", [
    ("SELEC 1", "syntax error"),
    ("SELECT nope FROM articles", "nope"),
    ("DELETE FROM articles", "read-only"),
])
def test_bad_or_writing_sql_exits_2_with_one_line(crawled, capsys, query, message):
    capsys.readouterr()
    assert nv("sql", query) == 2
    assert message in error_line(capsys).lower()
    con = duckdb.connect("news.duckdb", read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 6  # nothing changed
    con.close()


def test_sql_without_a_warehouse_says_so(workdir, capsys):
    assert main(["--warehouse", "missing.duckdb", "sql", "SELECT 1"]) == 74
    assert "no warehouse at missing.duckdb" in error_line(capsys)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_formats_read_back(crawled, fmt, capsys):
    out = Path(f"out.{fmt}")
    assert nv("export", "--format", fmt, "--out", str(out), "--site", "36kr") == 0
    assert "exported 4 articles" in capsys.readouterr().out
    reader = {"csv": "read_csv", "parquet": "read_parquet", "jsonl": "read_json"}[fmt]
    got = duckdb.sql(f"SELECT count(*), count(DISTINCT article_id) FROM {reader}('{out}')")
    assert got.fetchone() == (4, 4)
    assert [p.name for p in Path(".").iterdir() if p.name.endswith(".tmp")] == []


def test_export_date_range(crawled, kr):
    nv("export", "--format", "jsonl", "--out", "x.jsonl", "--since", "2026-11-20",
       "--until", "2026-11-20")
    assert len(Path("x.jsonl").read_text().splitlines()) == 6
    nv("export", "--format", "jsonl", "--out", "y.jsonl", "--since", "2026-11-21")
    assert Path("y.jsonl").read_text() == ""


@pytest.mark.parametrize("args,message", [
    (["--out", "nodir/x.csv"], "the folder nodir does not exist"),
    (["--out", "x.csv", "--since", "yesterday"], "--since 'yesterday' is not a date"),
])
def test_export_bad_input(crawled, capsys, args, message):
    capsys.readouterr()
    assert nv("export", "--format", "csv", *args) == 2
    assert message in error_line(capsys)


def test_status_shows_runs_sites_and_pending(crawled, capsys):
    capsys.readouterr()
    assert nv("status", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    sites = {s["site"]: s for s in report["sites"]}
    assert sites["36kr"]["articles"] == 4 and sites["netease"]["pending"] == 0
    assert report["runs"][0]["outcome"] == "ok"


def test_extract_prints_fields_and_body(workdir, capsys):
    page = Path("a.html")
    page.write_text(fill("163/article_2021.html", title="标题甲", published="2026-11-20 08:00:00",
                         published_iso="2026-11-20T08:00:00+08:00", channel="tech",
                         docid="K0000001000097U7R"[:16], source="某媒体",
                         body_html="<p>第一段。</p><p>第二段。</p>", tags="a,b", tags_bar="a|b",
                         editor="王测试"), encoding="utf-8")
    assert main(["extract", str(page), "--url", "https://www.163.com/tech/article/"
                 "K0000001000097U7.html", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["title"] == "标题甲" and record["body"] == "第一段。\n第二段。"
    assert record["published_at"] == "2026-11-20T08:00:00+08:00" and record["source"] == "某媒体"


@pytest.mark.parametrize("content,code,message", [
    (None, 2, "no such file"),
    (b"", 1, "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 1, "not-html"),
    (b'{"just": "json"}', 1, "not-html"),
])
def test_extract_bad_input(workdir, capsys, content, code, message):
    if content is not None:
        Path("in.html").write_bytes(content)
    assert main(["extract", "in.html"]) == code
    assert message in error_line(capsys)


def test_links_of_a_saved_list(workdir, capsys):
    kr = Fake36Kr()
    kr.publish(flashes=3)
    Path("list.html").write_text(kr._ssr_flashes().payload().decode(), encoding="utf-8")
    assert main(["links", "list.html", "--url", "https://www.36kr.com/newsflashes", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["url"] for r in rows] == [f"https://www.36kr.com/newsflashes/{s.id}"
                                        for s in kr.flashes]
    assert {r["kind"] for r in rows} == {"newsflash"}


def test_links_needs_a_known_site(workdir, capsys):
    Path("list.html").write_text("<a href='/x'>x</a>")
    assert main(["links", "list.html", "--url", "https://example.com/"]) == 2
    assert "not on a known site" in error_line(capsys)


def test_malformed_config_exits_2_naming_the_key(workdir, capsys):
    Path("bad.toml").write_text("[crawl]\nbatch_sise = 3\n")
    assert main(["--config", "bad.toml", "crawl"]) == 2
    assert "unknown key 'crawl.batch_sise'" in error_line(capsys)


def test_a_second_crawl_exits_75_naming_the_holder(config, kr, ne, capsys):
    with RunLock(Path("news.duckdb.lock")):
        assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl"]) == 75
    line = error_line(capsys)
    assert "another newsvault run holds news.duckdb.lock (newsvault crawl, PID" in line


def test_a_warehouse_held_by_another_process_exits_75(config, kr, ne, capsys):
    script = ("import duckdb, sys, time; con = duckdb.connect('news.duckdb'); "
              "print('ready', flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl"]) == 75
        assert "is in use" in error_line(capsys)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_python_dash_m_pipeline_is_the_command(workdir):
    done = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("newsvault ")


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: newsvault" in capsys.readouterr().err
