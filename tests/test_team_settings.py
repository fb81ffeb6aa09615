"""Choosing team mode: a postgresql:// warehouse, a shared data path, a node name."""

from __future__ import annotations

import json

import pytest

from pipeline.cli.main import main
from pipeline.config import settings
from pipeline.core.errors import ConfigError
from tests.clirun import error_line

URI = "postgresql://nv@db.example:5432/news"
SOCKET_URI = "postgresql://nv@/news?host=/run/pg"


@pytest.mark.parametrize("uri", [URI, SOCKET_URI, "postgres://nv@db/news"])
def test_a_postgresql_uri_selects_team_mode(uri):
    loaded = settings.load([], {"warehouse.path": uri, "warehouse.data_path": "/shared"},
                           environ={})
    assert loaded.team_mode()


def test_a_duckdb_file_is_not_team_mode():
    assert not settings.load([], {"warehouse.path": "news.duckdb"}, environ={}).team_mode()


def test_the_environment_gives_the_uri_data_path_and_node():
    loaded = settings.load([], environ={"NEWSVAULT_WAREHOUSE": URI,
                                        "NEWSVAULT_DATA_PATH": "/shared/news",
                                        "NEWSVAULT_NODE": "crawler-2"})
    assert (loaded.warehouse.path, loaded.warehouse.data_path, loaded.node()) == (
        URI, "/shared/news", "crawler-2")


def test_the_node_defaults_to_the_host_name():
    import socket

    loaded = settings.load([], {"warehouse.path": URI, "warehouse.data_path": "/s"},
                           environ={})
    assert loaded.node() == socket.gethostname()


def test_team_mode_without_a_data_path_exits_2_in_one_line(workdir, capsys):
    assert main(["--warehouse", URI, "crawl", "-q"]) == 2
    line = error_line(capsys)
    assert "warehouse.data_path" in line and "NEWSVAULT_DATA_PATH" in line


@pytest.mark.parametrize("uri", ["postgresql://nv@db/", "postgresql://nv@db"])
def test_a_uri_without_a_database_is_refused(uri):
    with pytest.raises(ConfigError, match="names no database"):
        settings.load([], {"warehouse.path": uri, "warehouse.data_path": "/s"}, environ={})


def test_a_heartbeat_as_long_as_the_lease_is_refused():
    with pytest.raises(ConfigError, match=r"team\.heartbeat"):
        settings.load([], {"warehouse.path": URI, "warehouse.data_path": "/s",
                           "team.heartbeat": 30, "team.lease_ttl": 30}, environ={})


def test_config_shows_the_node_given_on_the_command_line(workdir, capsys, monkeypatch):
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(workdir))
    assert main(["--warehouse", URI, "--node", "n7", "config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["team"]["node"] == "n7"
    assert shown["warehouse"]["data_path"] == str(workdir)
