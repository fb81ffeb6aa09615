"""Team mode's locks are PostgreSQL advisory locks: no command makes a lock file, least of
all one named after the warehouse URI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from pipeline.core.errors import LockHeld, UsageError
from pipeline.store.runlock import run_lock
from tests.lake import team_settings

URI = "postgresql://nv@db.example:5432/news"


def files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_team_mode_has_no_lock_file():
    loaded = settings_mod.load([], {"warehouse.path": URI, "warehouse.data_path": "/s"},
                               environ={})
    with pytest.raises(UsageError, match="takes its locks in PostgreSQL"):
        loaded.lock_path()


def test_the_duckdb_file_keeps_its_lock_file_beside_it():
    loaded = settings_mod.load([], {"warehouse.path": "/data/news.duckdb"}, environ={})
    assert loaded.lock_path() == Path("/data/news.duckdb.lock")


def test_terms_on_team_mode_makes_no_file_named_after_the_uri(pg_url, workdir,
                                                              monkeypatch):
    """`terms` runs on team mode (its lock is PostgreSQL's): the only files it may make
    are the shared data path's, none named after the URI beside the working folder."""
    shared = workdir / "shared"
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(shared))
    monkeypatch.chdir(workdir)
    before = files(workdir)
    assert main(["--warehouse", pg_url, "--node", "n1", "terms"]) == 0
    made = files(workdir) - before
    assert all(shared in p.parents for p in made), sorted(made)
    assert not [p for p in made if "lock" in p.name or "postgres" in str(p)]


def test_a_team_run_lock_is_one_per_command_and_node_name(pg_url, workdir):
    n1 = team_settings(pg_url, workdir / "shared", "n1")
    n2 = team_settings(pg_url, workdir / "shared", "n2")
    with run_lock(n1, "terms"):
        with pytest.raises(LockHeld, match="as node 'n1'"), run_lock(n1, "terms"):
            pass
        with run_lock(n2, "terms"), run_lock(n1, "reextract"):
            pass
    with run_lock(n1, "terms"):  # let go at the end of the block
        pass
    assert not list(workdir.rglob("*.lock"))
