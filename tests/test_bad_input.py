"""Bad configuration and input files: one clear line naming the thing, exit 2, no traceback.

Config files that are not UTF-8 or start with a byte order mark, warehouse settings DuckDB
would refuse only when the warehouse is opened, a --warehouse path that is not UTF-8, and
WARC inputs that are folders or not WARC at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipeline.archive.writer import WarcArchive
from pipeline.cli.main import main
from pipeline.config import settings
from pipeline.core.errors import ConfigError
from pipeline.core.records import Fetched
from tests.clirun import error_line
from tests.fakesites import FakeNetEase

GBK = "[warehouse]\nlock_wait = 5.0  # 锁等待\n".encode("gbk")
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"


@pytest.mark.parametrize("data", [GBK, BINARY], ids=["gbk", "binary"])
def test_a_config_file_that_is_not_utf8_is_named_with_exit_2(workdir, capsys, data):
    Path("odd.toml").write_bytes(data)
    assert main(["--config", "odd.toml", "config"]) == 2
    line = error_line(capsys)
    assert "odd.toml" in line and "not UTF-8" in line


def test_the_line_of_the_first_bad_byte_is_named(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(GBK)
    with pytest.raises(ConfigError, match=r"gbk\.toml: not UTF-8 text \(byte 0x.. on line 2\)"):
        settings.load([path], environ={})


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + "[warehouse]\nlock_wait = 5.0  # 锁等待\n".encode())
    assert settings.load([path], environ={}).warehouse.lock_wait == 5.0


def with_lines(config: Path, *lines: str) -> Path:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[warehouse]\n", "[warehouse]\n" + "".join(
        line + "\n" for line in lines)), encoding="utf-8")
    return config


@pytest.mark.parametrize("key,value", [
    ("memory_limit", "lots"), ("memory_limit", "64"), ("memory_limit", "80%"),
    ("memory_limit", "1,5GB"), ("memory_limit", "2MB"),
    ("timezone", "Mars/Base"), ("timezone", "Asia/Shanghai "), ("timezone", ""),
])
def test_a_bad_warehouse_setting_exits_2_naming_the_key(config, capsys, key, value):
    with_lines(config, f"{key} = {value!r}")
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 2
    line = error_line(capsys)
    assert f"warehouse.{key}" in line and "test.toml" in line and repr(value) in line
    assert not Path("news.duckdb").exists()


@pytest.mark.parametrize("value", ["64MB", "64mb", "1.5GB", "5.GB", ".5 GB", "512 MiB", "2GiB",
                                   "1 gigabyte", "100 megabytes", "1g", "1T", "\t64MB "])
def test_every_memory_limit_accepted_is_one_duckdb_reads_as_the_same_size(value):
    assert settings.memory_limit_problem(value) is None
    size = settings.memory_limit_bytes(value)
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{value}'")
        theirs = con.execute("SELECT current_setting('memory_limit')").fetchone()
        con.execute(f"SET memory_limit = '{size}b'")
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == theirs
    finally:
        con.close()


@pytest.mark.parametrize("name", ["UTC", "utc", "Asia/Tokyo", "Etc/GMT-8", "PRC"])
def test_time_zones_duckdb_knows_are_accepted(tmp_path, name):
    path = tmp_path / "tz.toml"
    path.write_text(f"[warehouse]\ntimezone = '{name}'\nmemory_limit = ''\n", encoding="utf-8")
    assert settings.load([path], environ={}).warehouse.timezone == name


@pytest.mark.parametrize("command", [["crawl", "-q"], ["sql", "SELECT 1"], ["status"]])
def test_a_warehouse_path_that_is_not_utf8_exits_2(config, capsys, command):
    # bash: --warehouse $'\xff.duckdb'; Python hands the byte over as a lone surrogate
    assert main(["--config", str(config), "--warehouse", "\udcff.duckdb", *command]) == 2
    line = error_line(capsys)
    assert "warehouse.path '\\xff.duckdb' is not valid UTF-8" in line


def write_warcs(folder: Path, ne: FakeNetEase, count: int) -> list[str]:
    """`count` NetEase article responses, one WARC file each (files rotate at every record)."""
    archive = WarcArchive(folder, "test", 1, {"software": "tests"})
    for story in ne.publish("tech", count):
        url = f"https://www.163.com/tech/article/{story.id}.html"
        reply = ne.article_reply(story)
        archive.write(Fetched(url=url, status=200, final_url=url, body=reply.payload(),
                              headers=[("Content-Type", "text/html; charset=utf-8")],
                              fetched_at=dt.datetime.now(dt.UTC)))
    archive.close()
    return sorted(str(p) for p in folder.glob("*.warc.gz"))


def test_import_warc_of_a_folder_reads_its_warc_files(workdir, capsys):
    ne = FakeNetEase()
    files = write_warcs(workdir / "warcs", ne, 2)
    (workdir / "warcs" / "notes.txt").write_text("not an archive")
    assert len(files) == 2
    assert main(["--warehouse", "news.duckdb", "import-warc", "warcs"]) == 0
    out = capsys.readouterr().out
    assert all(f"{Path(f).resolve()}: 3 records, 1 imported" in out for f in files)
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    finally:
        con.close()


def test_import_warc_of_a_file_whose_name_is_not_utf8_exits_2(workdir, capsys):
    (file,) = write_warcs(workdir / "warcs", FakeNetEase(), 1)
    odd = Path(file).rename(workdir / "warcs" / "\udcff.warc.gz")  # the byte 0xff
    assert main(["--warehouse", "news.duckdb", "import-warc", str(odd)]) == 2
    assert "\\xff.warc.gz: the path is not valid UTF-8" in error_line(capsys)


def test_import_warc_of_a_folder_without_warc_files_says_so(workdir, capsys):
    Path("empty").mkdir()
    assert main(["--warehouse", "news.duckdb", "import-warc", "empty"]) == 2
    assert "empty: the folder has no .warc or .warc.gz files" in error_line(capsys)


@pytest.mark.parametrize("name,data,message", [
    ("pages.txt", b"<html>hello</html>", "pages.txt is not a WARC file"),
    ("pages.gz", None, "pages.gz is gzip but not a WARC file"),
    ("empty.warc", b"", "empty.warc is empty"),
])
def test_replay_of_a_file_that_is_not_warc_exits_2(config, capsys, server, name, data,
                                                   message):
    import gzip

    Path(name).write_bytes(gzip.compress(b"<html>hello</html>") if data is None else data)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q",
                 "--replay", name]) == 2
    assert f"--replay: {message}" in error_line(capsys)
    assert server.seen == []  # nothing was fetched instead
