"""One registry of settings, validated once, with errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import settings
from pipeline.core.errors import ConfigError
from pipeline.sources.lists import ListSettings

ROOT = Path(__file__).resolve().parent.parent


def load_text(tmp_path: Path, text: str, name: str = "x.toml") -> settings.Settings:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return settings.load([path], environ={})


def test_defaults_need_no_file(workdir):
    s = settings.load(environ={})
    assert s.files == ()
    assert s.warehouse.path == "warehouse/news.duckdb" and s.warehouse.catalog == "nv"
    assert [lst.name for lst in s.sites["36kr"].lists] == [
        "feed-article", "newsflashes", "feed-newsflash", "web_news"]
    assert [lst.name for lst in s.sites["netease"].lists] == ["yaowen", "tech", "money", "rolling"]


def test_the_repository_configs_equal_the_built_in_defaults():
    from_files = settings.load([ROOT / "configs"], environ={})
    assert len(from_files.files) == 2
    assert settings.as_dict(from_files) == settings.as_dict(settings.load([], environ={}))


def test_a_partial_file_overlays_the_defaults(tmp_path):
    s = load_text(tmp_path, "[fetch]\nmin_interval = 2.5\n")
    assert s.fetch.min_interval == 2.5 and s.fetch.retries == 3


@pytest.mark.parametrize("text,message", [
    ("[fetch]\nuser_agnet = 'x'\n", "unknown key 'fetch.user_agnet' (did you mean 'user_agent'?)"),
    ("[fetcher]\n", "unknown key 'fetcher'"),
    ("[fetch]\ntimeout = 'soon'\n", "fetch.timeout must be a number, got 'soon'"),
    ("[fetch]\nretries = 1.5\n", "fetch.retries must be a whole number"),
    ("[fetch]\nobey_robots = 'maybe'\n", "fetch.obey_robots must be true or false"),
    ("[fetch]\nmin_interval = -3\n", "fetch.min_interval must be at least 0.0"),
    ("[fetch]\nconnect_to = ['nohost']\n", "fetch.connect_to"),
    ("[sites.bbc]\n", "unknown site 'sites.bbc'"),
    ("[[sites.36kr.lists]]\nname = 'x'\nkind = 'jsonp'\nurl = 'https://www.36kr.com/x'\n",
     "has kind 'jsonp'; 36kr knows: rss, newsflashes, information"),
    ("[[sites.netease.lists]]\nname = 'x'\nkind = 'jsonp'\nurl = 'https://example.com/x'\n",
     "is not on netease's hosts"),
    ("[[sites.netease.lists]]\nname = 'x'\nkind = 'jsonp'\n", "needs 'url'"),
    ("[fetch\n", "not valid TOML"),
], ids=lambda v: v if len(v) < 30 else None)
def test_bad_config_names_the_file_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text)
    assert message in str(info.value)
    assert "x.toml" in str(info.value)
    assert "\n" not in str(info.value).strip()


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml does not exist"):
        settings.load([tmp_path / "nope.toml"], environ={})


def test_site_lists_replace_the_defaults(tmp_path):
    s = load_text(tmp_path, "[[sites.netease.lists]]\nname = 'ent'\nkind = 'jsonp'\n"
                            "url = 'https://ent.163.com/special/000380VU/newsdata_index.js'\n"
                            "max_pages = 3\n")
    assert s.sites["netease"].lists == (ListSettings(
        "ent", "jsonp", "https://ent.163.com/special/000380VU/newsdata_index.js", 3),)
    assert len(s.sites["36kr"].lists) == 4


def test_precedence_defaults_file_environment_command_line(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[warehouse]\npath = 'from-file.duckdb'\n")
    assert settings.load([path], environ={}).warehouse.path == "from-file.duckdb"
    env = {"NEWSVAULT_WAREHOUSE": "from-env.duckdb"}
    assert settings.load([path], environ=env).warehouse.path == "from-env.duckdb"
    cli = settings.load([path], {"warehouse.path": "from-cli.duckdb"}, environ=env)
    assert cli.warehouse.path == "from-cli.duckdb"


def test_config_folder_from_environment(tmp_path):
    (tmp_path / "a.toml").write_text("[crawl]\nbatch_size = 7\n")
    s = settings.load(environ={"NEWSVAULT_CONFIG": str(tmp_path)})
    assert s.crawl.batch_size == 7


def test_every_setting_has_help():
    rows = settings.reference()
    assert rows and all(key and text for key, _, text in rows)


def test_fetch_min_interval_of_minus_one_is_refused(tmp_path):
    """-1 means "use fetch.min_interval" for a site; for fetch itself it would turn spacing
    off, so it is an error there."""
    path = tmp_path / "c.toml"
    path.write_text("[fetch]\nmin_interval = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fetch\.min_interval must be at least"):
        settings.load([path], environ={})


def test_a_site_min_interval_of_minus_one_uses_the_fetch_spacing(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[sites.netease]\nmin_interval = -1\n", encoding="utf-8")
    assert settings.load([path], environ={}).sites["netease"].min_interval == -1.0


@pytest.mark.parametrize(("threads", "expected"), [(1, 1), (2, 2)])
def test_warehouse_threads_caps_duckdb_worker_threads_of_a_writer(threads, expected):
    from pipeline.config.settings import WarehouseSettings
    from pipeline.store.connect import connect

    con = connect(WarehouseSettings(threads=threads))
    try:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == expected
    finally:
        con.close()


def test_warehouse_threads_zero_leaves_duckdb_its_default():
    import duckdb

    from pipeline.config.settings import WarehouseSettings
    from pipeline.store.connect import connect

    default = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    con = connect(WarehouseSettings(threads=0))
    try:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == default
    finally:
        con.close()
