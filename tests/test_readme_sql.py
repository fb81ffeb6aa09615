"""The README's ten questions run, as written, on real warehouses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.analyze.query import sql
from pipeline.config import settings as settings_mod

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
SECTION = README.split("### Ten questions, answered in SQL", 1)[1].split("\n## ", 1)[0]
QUESTIONS = re.findall(r"#### (\d+\. [^\n]+)\n.*?```sql\n(.*?)```", SECTION, re.S)


def test_there_are_ten_questions():
    assert [title.split(".")[0] for title, _ in QUESTIONS] == [str(n) for n in range(1, 11)]


@pytest.fixture(scope="module")
def crawled(crawl_once, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse made by crawling the fake sites (a copy of the session's shared crawl)."""
    import shutil

    from tests.crawled import Published

    master = crawl_once(Published(articles=3, flashes=3, netease=(("yaowen", 3, "2021"),)))
    return Path(shutil.copy(master / "news.duckdb", tmp_path_factory.mktemp("readme")))


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
