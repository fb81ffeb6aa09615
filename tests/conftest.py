"""Shared fixtures: the local server, the fake sites, a crawl config pointing at them."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The tests start `newsvault` in a few hundred child processes; where the environment
# says PYTHONDONTWRITEBYTECODE (some sandboxes and CI images do), each child compiled the
# package from source again (0.1-0.4 s of CPU each). Compiled once, read by all.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
if str(ROOT) not in sys.path:  # `tests.server` and `tests.fakesites` are imported by name
    sys.path.insert(0, str(ROOT))

from tests.crawled import Published  # noqa: E402
from tests.fakesites import Fake36Kr, FakeNetEase  # noqa: E402
from tests.pg import PgServer  # noqa: E402
from tests.pg import missing_reason as pg_missing_reason  # noqa: E402
from tests.server import TestServer  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:  # a test on the real PostgreSQL is selectable with `-m pg`
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pg)
    if os.environ.get("NEWSVAULT_LIVE") == "1":
        return
    skip = pytest.mark.skip(reason="live-site check; set NEWSVAULT_LIVE=1 to run it")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL (pgserver) for the whole session, stopped at its end."""
    reason = pg_missing_reason()
    if reason:
        pytest.skip(reason)
    srv = PgServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test: its libpq URI."""
    name, url = pg_server.new_database()
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def server() -> Iterator[TestServer]:
    srv = TestServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def kr(server: TestServer) -> Fake36Kr:
    site = Fake36Kr()
    site.install(server)
    return site


@pytest.fixture
def ne(server: TestServer) -> FakeNetEase:
    site = FakeNetEase()
    site.install(server)
    return site


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working folder (no ./configs) with no NEWSVAULT_* variables set."""
    monkeypatch.chdir(tmp_path)
    for name in ("NEWSVAULT_WAREHOUSE", "NEWSVAULT_CONFIG", "NEWSVAULT_DATA_PATH",
                 "NEWSVAULT_NODE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


FAST = """
[fetch]
min_interval = 0.0
retries = 2
backoff_base = 0.01
backoff_max = 0.05
timeout = 5.0
connect_timeout = 2.0
connect_to = ["*={origin}"]

[warehouse]
lock_wait = 1.0

[crawl]
batch_size = 5
"""

# The sites the fake sites play: the crawl tests crawl these, and no other registered site.
FAKE_SITES = (Fake36Kr.site, FakeNetEase.site)


def only_the_fake_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any registered site the fakes do not play is off by default (see `config`)."""
    from pipeline.sources import registry

    for name in registry.names():
        if name not in FAKE_SITES:
            monkeypatch.setattr(type(registry.get(name)), "enabled_by_default", False)


def unhurried_36kr(monkeypatch: pytest.MonkeyPatch) -> None:
    """36Kr's site default of 5 s between requests set to 0 (see `config`)."""
    from pipeline.sources.kr36.site import Kr36

    monkeypatch.setattr(Kr36, "site_defaults", {**Kr36.site_defaults, "min_interval": 0.0})


@pytest.fixture
def config(workdir: Path, server: TestServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config that sends every host to the test server, with fast retries.

    36Kr's own default spacing (5 s) would make every crawl test wait; like
    fetch.min_interval above it is 0 here, and the site's other defaults stay (one
    connection, the cooldown), so a test's config can still add a [sites.36kr] table.
    The crawl covers the sites the fakes play: a registered site they do not play (a
    site being added, even one on by default) is off unless the test turns it on."""
    unhurried_36kr(monkeypatch)
    only_the_fake_sites(monkeypatch)
    path = workdir / "test.toml"
    path.write_text(FAST.format(origin=server.origin), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def archive_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small archive of tests/archive.py, built once per test session."""
    from tests.archive import build

    return build(tmp_path_factory.mktemp("archive") / "archive.duckdb")


@pytest.fixture
def archive(archive_master: Path, workdir: Path) -> Path:
    """A copy of the small archive as ./news.duckdb, for a test to read or change."""
    import shutil

    return Path(shutil.copy(archive_master, workdir / "news.duckdb"))


@pytest.fixture(scope="session")
def crawl_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Published], Path]:
    """A folder with news.duckdb and warc/ made by one crawl of the fake sites as
    `published`, crawled once per test session (with the `config` fixture's settings)."""
    from pipeline.cli.main import main

    made: dict[Published, Path] = {}

    def crawl(published: Published) -> Path:
        if published not in made:
            folder = tmp_path_factory.mktemp("crawled")
            srv = TestServer().start()
            try:
                kr, ne = Fake36Kr(), FakeNetEase()
                kr.install(srv)
                ne.install(srv)
                published.publish(srv, kr, ne)
                (folder / "test.toml").write_text(FAST.format(origin=srv.origin),
                                                  encoding="utf-8")
                with pytest.MonkeyPatch.context() as mp:  # as `workdir` and `config` do
                    mp.chdir(folder)
                    unhurried_36kr(mp)
                    only_the_fake_sites(mp)
                    for name in ("NEWSVAULT_WAREHOUSE", "NEWSVAULT_CONFIG",
                                 "NEWSVAULT_DATA_PATH", "NEWSVAULT_NODE"):
                        mp.delenv(name, raising=False)
                    code = main(["--config", "test.toml", "--warehouse", "news.duckdb",
                                 "crawl", "-q"])
                assert code == published.exit_code, f"the shared crawl of {published} exited {code}"
            finally:
                srv.stop()
            made[published] = folder
        return made[published]

    return crawl


@pytest.fixture
def crawled_copy(crawl_once: Callable[[Published], Path], workdir: Path, server: TestServer,
                 kr: Fake36Kr, ne: FakeNetEase) -> Callable[[Published], Path]:
    """Gives ./news.duckdb and ./warc/ as a crawl of the fake sites as `published` leaves
    them, and makes the test's own fake sites publish the same stories: the same state as
    crawling in the test, without crawling again for every test."""

    def copy(published: Published) -> Path:
        master = crawl_once(published)
        published.publish(server, kr, ne)
        shutil.copytree(master / "warc", workdir / "warc")
        if (master / "news.duckdb.wal").exists():  # not checkpointed yet: part of the file
            shutil.copy(master / "news.duckdb.wal", workdir / "news.duckdb.wal")
        return Path(shutil.copy(master / "news.duckdb", workdir / "news.duckdb"))

    return copy
