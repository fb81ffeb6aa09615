"""The warehouse: an attached catalog, versioned migrations, all-or-nothing batches."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
from pathlib import Path

import duckdb
import pytest

from pipeline.config import settings as settings_mod
from pipeline.config.settings import WarehouseSettings
from pipeline.core.errors import WarehouseError
from pipeline.core.records import Article, Fetched, Link
from pipeline.jobs.crawl import crawl
from pipeline.store.warehouse import Batch, CaptureRow, Warehouse, migrations


def open_wh(path: Path, **changes) -> Warehouse:
    return Warehouse.open(dataclasses.replace(WarehouseSettings(path=str(path)), **changes))


def test_migrations_apply_once_and_are_recorded(tmp_path):
    with open_wh(tmp_path / "w.duckdb") as wh:
        assert wh.schema_version() == max(v for v, _, _ in migrations())
        assert wh.migrate() == []
        versions = wh.con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        assert [v for (v,) in versions] == [v for v, _, _ in migrations()]


def test_all_sql_runs_against_the_named_catalog(tmp_path):
    with open_wh(tmp_path / "w.duckdb", catalog="archive") as wh:
        assert wh.con.execute("SELECT current_database()").fetchone() == ("archive",)
        tables = wh.con.execute("SELECT DISTINCT database_name FROM duckdb_tables()").fetchall()
        assert tables == [("archive",)]


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    with open_wh(path) as wh:
        wh.con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(WarehouseError, match="schema version 999, newer than this newsvault"):
        open_wh(path)


def test_a_file_that_is_not_duckdb_is_named(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_text("not a database")
    with pytest.raises(WarehouseError, match="is not a DuckDB database"):
        open_wh(path)


def batch_with(article_id: str, body: str) -> Batch:
    fetched = Fetched(url=f"https://www.163.com/news/article/{article_id[4:]}.html", status=200,
                      body=f"<p>{body}</p>".encode())
    article = Article(url=fetched.url, article_id=article_id, site="netease", title="t",
                      body=body, published_at="2026-11-20T08:00:00+08:00")
    batch = Batch()
    batch.links.append(Link(fetched.url, article_id, "netease"))
    batch.captures.append(CaptureRow.of(1, 1, "netease", fetched))
    batch.bodies.append((fetched.sha256, fetched.body))
    batch.articles.append((article, 1, fetched.fetched_at))
    batch.done.append((article_id, "done", None))
    return batch


def test_a_batch_is_new_then_unchanged_then_updated(tmp_path):
    with open_wh(tmp_path / "w.duckdb", store_bodies=True) as wh:
        aid = "163:AAAAAAAA0001899O"
        assert wh.write_batch(batch_with(aid, "一"), 1, 3).states == {aid: "new"}
        assert wh.write_batch(batch_with(aid, "一"), 2, 3).states == {aid: "unchanged"}
        assert wh.write_batch(batch_with(aid, "二"), 3, 3).states == {aid: "updated"}
        assert wh.con.execute("SELECT count(*), max(body) FROM articles").fetchone() == (1, "二")
        assert wh.con.execute("SELECT body, reason FROM article_versions").fetchall() == [
            ("一", "refetch")]
        assert wh.con.execute("SELECT count(*) FROM bodies").fetchone() == (2,)


def test_a_failing_batch_leaves_nothing_behind(tmp_path):
    with open_wh(tmp_path / "w.duckdb") as wh:
        batch = batch_with("163:AAAAAAAA0001899O", "一")
        batch.captures.append(dataclasses.replace(batch.captures[0], capture_id="not-a-number"))
        with pytest.raises(WarehouseError, match="writing to the warehouse failed"):
            wh.write_batch(batch, 1, 3)
        for table in ("articles", "captures", "frontier", "bodies"):
            assert wh.con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_bodies_are_stored_compressed_and_read_back(tmp_path):
    import zlib

    with open_wh(tmp_path / "w.duckdb", store_bodies=True) as wh:
        batch = batch_with("163:AAAAAAAA0001899O", "正文")
        wh.write_batch(batch, 1, 3)
        data, size = wh.con.execute("SELECT b.data, b.size FROM captures c JOIN bodies b "
                                    "ON b.sha256 = c.body_sha256").fetchone()
        raw = "<p>正文</p>".encode()
        assert zlib.decompress(data) == raw and size == len(raw)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("duckdb_extension_ducklake") is None,
                    reason="duckdb-extension-ducklake is not installed")
def test_configuration_alone_points_the_crawl_at_a_ducklake_catalog(config, kr, ne, tmp_path):
    kr.publish(articles=1, flashes=1)
    ne.publish("tech", 2)
    lake = tmp_path / "lake"
    lake.mkdir()
    lake_config = tmp_path / "lake.toml"
    lake_config.write_text(
        f"[warehouse]\nattach = 'ducklake:{lake}/meta.ducklake'\n"
        f"attach_options = \"DATA_PATH '{lake}/data/'\"\nextensions = ['ducklake']\n")
    settings = settings_mod.load([config, lake_config], environ={})
    report = crawl(settings)
    assert report.exit_code == 0
    again = crawl(settings)
    assert again.exit_code == 0 and sum(s.new for s in again.sites) == 0
    with Warehouse.open(settings.warehouse, read_only=True) as wh:
        assert wh.con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles"
                              ).fetchone() == (4, 4)
        kind = wh.con.execute("SELECT type FROM duckdb_databases() WHERE database_name = 'nv'"
                              ).fetchone()
        assert kind == ("ducklake",)
    assert not Path("warehouse/news.duckdb").exists()
    assert duckdb.__version__ == "1.5.5"


@pytest.mark.parametrize("value", [None, True, 7, 2.5, "it's 智谱", dt.date(2026, 11, 30),
                                   dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)])
def test_inlined_parameters_give_what_bound_ones_give(value):
    from pipeline.store.warehouse import inline_params

    con = duckdb.connect()
    sql = "SELECT $v, $v IS NULL, $vv"
    params = {"v": value, "vv": 1}
    assert con.execute(inline_params(sql, params)).fetchall() == con.execute(
        sql, params).fetchall()


@pytest.mark.parametrize("read_only", [False, True])
def test_duckdb_spills_beside_the_warehouse_file_not_in_the_current_folder(tmp_path,
                                                                         read_only):
    path = tmp_path / "data" / "news.duckdb"
    path.parent.mkdir()
    settings = WarehouseSettings(path=str(path))
    Warehouse.open(settings).close()
    with Warehouse.open(settings, read_only=read_only) as warehouse:
        spill = warehouse.con.execute("SELECT current_setting('temp_directory')").fetchone()
    assert spill == (f"{path}.tmp",)
