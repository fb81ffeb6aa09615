"""The README's ten questions run, as written, on real warehouses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import settings as settings_mod
from pipeline.cli import main
from pipeline.query import sql

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
SECTION = README.split("### Ten questions, answered in SQL", 1)[1].split("\n## ", 1)[0]
QUESTIONS = re.findall(r"#### (\d+\. [^\n]+)\n.*?```sql\n(.*?)```", SECTION, re.S)


def test_there_are_ten_questions():
    assert [title.split(".")[0] for title, _ in QUESTIONS] == [str(n) for n in range(1, 11)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse made by crawling the fake sites (as in test_cli)."""
    from tests.conftest import FAST
    from tests.fakesites import Fake36Kr, FakeNetEase
    from tests.server import TestServer

    folder = tmp_path_factory.mktemp("crawl")
    server = TestServer().start()
    try:
        kr, ne = Fake36Kr(), FakeNetEase()
        kr.install(server)
        ne.install(server)
        kr.publish(articles=3, flashes=3)
        ne.publish("yaowen", 3)
        config = folder / "test.toml"
        config.write_text(FAST.format(origin=server.origin), encoding="utf-8")
        path = folder / "news.duckdb"
        assert main(["--config", str(config), "--warehouse", str(path), "crawl", "-q"]) == 0
    finally:
        server.stop()
    return path


def run(path: Path, query: str) -> tuple[list[str], list[tuple]]:
    return sql(settings_mod.load([], {"warehouse.path": str(path)}, environ={}), query)


@pytest.mark.parametrize("title,query", QUESTIONS, ids=[t for t, _ in QUESTIONS])
def test_runs_on_the_test_crawl(crawled, title, query):
    columns, _ = run(crawled, query)
    assert columns


@pytest.mark.parametrize("title,query", QUESTIONS, ids=[t for t, _ in QUESTIONS])
def test_answers_something_on_the_archive(archive_master, title, query):
    _, rows = run(archive_master, query)
    assert rows
