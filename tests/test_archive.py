"""The WARC archive: valid files, captures that point at their records, revisits, import,
re-extraction, replay and article versions."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.archive.reader import read_at
from pipeline.cli.main import main
from tests.crawled import Published
from tests.server import TestServer

WARCIO = str(Path(sys.executable).parent / "warcio")
ARTICLE_COLUMNS = ("article_id, kind, url, canonical_url, title, body, author, source, "
                   "published_at, tags, source_url")


def nv(config: Path | None, *args: str, warehouse: str = "news.duckdb") -> int:
    head = ["--config", str(config)] if config else []
    return main([*head, "--warehouse", warehouse, *args])


def rows(sql: str, warehouse: str = "news.duckdb", params: list | None = None) -> list[tuple]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def warc_files(folder: str = "warc") -> list[str]:
    return sorted(str(p) for p in Path(folder).glob("*.warc.gz"))


@pytest.fixture
def crawled(config: Path, crawled_copy) -> Path:
    """./news.duckdb and ./warc/ as a crawl of both fake sites leaves them; the config."""
    crawled_copy(Published(articles=3, flashes=3,
                           netease=(("yaowen", 2, "2021"), ("tech", 1, "2016"))))
    return config


def test_the_archive_passes_warcio_check_and_index(crawled):
    files = warc_files()
    assert files and all(Path(f).name.startswith("newsvault-") for f in files)
    check = subprocess.run([WARCIO, "check", "-v", *files], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    index = subprocess.run([WARCIO, "index", *files], capture_output=True, text=True,
                           check=True)
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    types = [e["warc-type"] for e in entries]
    assert types[0] == "warcinfo" and types.count("response") == types.count("request")
    uris = {e.get("warc-target-uri") for e in entries}
    assert "https://www.36kr.com/robots.txt" in uris
    assert "https://www.36kr.com/newsflashes" in uris


def test_every_capture_points_at_its_own_record(crawled):
    captures = rows("SELECT url, warc_file, warc_offset, body_sha256, status FROM captures "
                    "WHERE warc_file IS NOT NULL")
    assert len(captures) >= 10
    for url, name, offset, sha, status in captures:
        record = read_at(Path("warc") / name, offset)
        assert (record.url, record.fetched.status) == (url, status)
        assert hashlib.sha256(record.fetched.body).hexdigest() == sha


def test_each_article_points_at_the_capture_it_came_from(crawled):
    missing = rows("SELECT a.article_id FROM articles a LEFT JOIN captures c "
                   "ON c.capture_id = a.capture_id WHERE c.warc_file IS NULL")
    assert missing == []


def test_an_unchanged_list_page_becomes_a_revisit(crawled):
    assert nv(crawled, "crawl", "-q") == 0
    revisits = rows("SELECT c.url, o.url FROM captures c JOIN captures o "
                    "ON o.capture_id = c.refers_to WHERE c.record_type = 'revisit'")
    assert ("https://www.36kr.com/newsflashes", "https://www.36kr.com/newsflashes") in revisits
    check = subprocess.run([WARCIO, "check", *warc_files()], capture_output=True, check=False)
    assert check.returncode == 0


def test_import_into_a_fresh_warehouse_gives_the_same_articles(crawled, capsys):
    assert nv(crawled, "crawl", "-q") == 0  # a second run adds revisit records
    assert nv(None, "import-warc", *warc_files(), warehouse="fresh.duckdb") == 0
    query = f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY article_id"
    assert rows(query, "fresh.duckdb") == rows(query)
    assert "imported" in capsys.readouterr().out


def test_import_twice_adds_nothing(crawled):
    nv(None, "import-warc", *warc_files(), warehouse="fresh.duckdb")
    before = rows("SELECT count(*) FROM articles", "fresh.duckdb")
    assert nv(None, "import-warc", *warc_files(), warehouse="fresh.duckdb") == 0
    assert rows("SELECT count(*) FROM articles", "fresh.duckdb") == before


def damaged_copies(source: Path, folder: Path) -> dict[str, Path]:
    data = source.read_bytes()
    cut = folder / "truncated.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    flipped = bytearray(data)
    middle = len(flipped) // 2
    flipped[middle:middle + 40] = b"\x00" * 40
    corrupt = folder / "corrupt.warc.gz"
    corrupt.write_bytes(bytes(flipped))
    empty = folder / "empty.warc.gz"
    empty.write_bytes(b"")
    text = folder / "notes.warc"
    text.write_text("these are not WARC records\n")
    zipped = folder / "other.gz"
    zipped.write_bytes(gzip.compress(b"hello, not a warc"))
    return {"truncated": cut, "corrupt": corrupt, "empty": empty, "not-warc": text,
            "gzip-not-warc": zipped}


@pytest.mark.parametrize("kind,message", [
    ("truncated", "good records before it were imported"),
    ("corrupt", "good records before it were imported"),
    ("empty", "is empty"),
    ("not-warc", "is not a WARC file"),
    ("gzip-not-warc", "gzip but not a WARC file"),
])
def test_damaged_or_foreign_files_keep_their_good_records(crawled, tmp_path, capsys, kind,
                                                          message):
    source = Path(max(warc_files(), key=lambda f: Path(f).stat().st_size))
    bad = damaged_copies(source, tmp_path)[kind]
    capsys.readouterr()
    assert nv(None, "import-warc", str(bad), warehouse="fresh.duckdb") == 1
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    if kind in ("truncated", "corrupt"):
        assert rows("SELECT count(*) FROM captures", "fresh.duckdb")[0][0] > 0


def test_import_of_a_missing_file_exits_2(workdir, capsys):
    assert nv(None, "import-warc", "nope.warc.gz") == 2
    assert "nope.warc.gz: no such file" in capsys.readouterr().err


def test_reextract_rebuilds_from_the_archive_and_keeps_the_old_state(crawled, ne):
    story = ne.stories["yaowen"][0]
    aid = f"163:{story.id}"
    con = duckdb.connect("news.duckdb")
    con.execute("UPDATE articles SET body = 'garbled by an old extractor', "
                "extractor_version = 'old', content_hash = 'x' WHERE article_id = ?", [aid])
    con.execute("UPDATE articles SET extractor_version = 'old' WHERE site = '36kr'")
    con.close()
    assert nv(None, "reextract", "--site", "netease") == 0
    assert rows("SELECT body FROM articles WHERE article_id = ?", params=[aid]) == [(story.body,)]
    assert rows("SELECT body, reason FROM article_versions") == [
        ("garbled by an old extractor", "reextract")]
    assert rows("SELECT count(*) FROM articles WHERE extractor_version = 'old'")[0][0] == 6
    assert nv(None, "reextract") == 0  # the 36kr ones, newsflashes from their list pages
    assert rows("SELECT count(*) FROM articles WHERE extractor_version = 'old'")[0][0] == 0
    assert rows("SELECT count(*) FROM article_versions")[0][0] == 1


def test_replay_reproduces_the_crawl_without_the_network(crawled, server: TestServer):
    server.stop()
    files = warc_files()
    assert nv(None, "crawl", "-q", "--replay", *files, warehouse="replayed.duckdb") == 0
    query = f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY article_id"
    assert rows(query, "replayed.duckdb") == rows(query)


def test_replay_records_what_the_archive_lacks(crawled, kr, server, capsys):
    kr.articles.clear()
    kr.flashes.clear()
    files = warc_files()
    Path("extra.toml").write_text(
        "[[sites.36kr.lists]]\nname = 'ai'\nkind = 'information'\n"
        "url = 'https://www.36kr.com/information/AI/'\n")
    assert main(["--config", "extra.toml", "--warehouse", "replayed.duckdb", "crawl", "-q",
                 "--site", "36kr", "--replay", *files]) == 1
    assert rows("SELECT url, error FROM captures WHERE error = 'not-in-archive'",
                "replayed.duckdb") == [("https://www.36kr.com/information/AI/",
                                        "not-in-archive")]


@pytest.mark.slow
def test_an_edited_story_is_refetched_and_the_old_text_kept(config, kr, ne, server):
    story = ne.publish("tech", 1)[0]
    Path(config).write_text(Path(config).read_text()
                            + "refetch_after = 0.0001\nrefetch_window = 100000.0\n")
    assert nv(config, "crawl", "-q", "--site", "netease") == 0
    story.paragraphs[1] = "更正：本段在发布后被编辑修改。"
    assert nv(config, "crawl", "-q", "--site", "netease") == 0
    (body, capture), = rows("SELECT body, capture_id FROM articles")
    assert "更正" in body
    (old_body, old_capture, replaced_by, reason), = rows(
        "SELECT body, capture_id, replaced_by, reason FROM article_versions")
    assert "更正" not in old_body and reason == "refetch"
    assert replaced_by == capture and old_capture != capture
    assert nv(config, "crawl", "-q", "--site", "netease") == 0  # max_refetches = 1
    assert len(server.requests("www.163.com", f"/tech/article/{story.id}.html")) == 2


def test_status_reports_archive_storage(crawled, capsys):
    capsys.readouterr()
    assert nv(None, "status", "--json") == 0
    (storage,) = json.loads(capsys.readouterr().out)["storage"]
    assert storage["warc_files"] >= 1 and storage["articles"] == 9
    assert 0 < storage["disk_bytes_per_article"] < storage["raw_bytes_per_article"] * 2


def test_status_sums_every_nodes_files_under_the_archive_root(crawled, capsys):
    capsys.readouterr()
    nv(None, "status", "--json")
    (before,) = json.loads(capsys.readouterr().out)["storage"]
    other = Path("warc") / "node-b"  # another node's files, in a folder of its own
    other.mkdir()
    shutil.copy(warc_files()[0], other / "newsvault-node-b-1-20260101000000-00001.warc.gz")
    nv(None, "status", "--json")
    (after,) = json.loads(capsys.readouterr().out)["storage"]
    assert after["warc_files"] == before["warc_files"] + 1
    assert after["bytes_on_disk"] > before["bytes_on_disk"]


def test_another_node_reextracts_from_the_shared_root(crawled, ne):
    """A node with its own warehouse path and its own mount of the shared archive root."""
    shutil.copytree("warc", "mnt/shared/warc")
    shutil.rmtree("warc")
    Path("node-b").mkdir()
    shutil.copy("news.duckdb", "node-b/news.duckdb")
    Path("node-b.toml").write_text('[archive]\ndir = "mnt/shared/warc"\n')
    con = duckdb.connect("node-b/news.duckdb")
    con.execute("UPDATE articles SET extractor_version = 'old'")
    con.close()
    assert nv(Path("node-b.toml"), "reextract", warehouse="node-b/news.duckdb") == 0
    assert rows("SELECT count(*) FROM articles WHERE extractor_version = 'old'",
                "node-b/news.duckdb") == [(0,)]
