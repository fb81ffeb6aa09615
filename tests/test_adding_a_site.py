"""docs/adding-a-site.md stays true: its third site is built from the page's own code
blocks, registered with the page's one registry line, and crawled end to end by the
page's own tests (run here, against the fake site on 127.0.0.1).

Every block headed by a bold file path is a file of the example: the package goes to a
temporary folder searched as part of `pipeline.sources`, the page template to one the
fake sites' templates are looked up in, and the test file's code runs in this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import pipeline.sources
from pipeline.demo import stories
from pipeline.sources import registry

_ROOT = Path(__file__).resolve().parent.parent
_DOC = _ROOT / "docs" / "adding-a-site.md"
_FILE_BLOCK = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\*[^\n]*\n\n```[\w-]*\n(?P<code>.*?)^```$",
                         re.MULTILINE | re.DOTALL)
_FILES = {m["path"]: m["code"] for m in _FILE_BLOCK.finditer(_DOC.read_text("utf-8"))}
_PACKAGE = "pipeline/sources/chenbao/"
_REGISTRY = "pipeline/sources/registry.py"
_TEMPLATES = "tests/pages/"
_TESTS = "tests/test_chenbao.py"


_REAL_SITES = registry.SITES


def _shown_sites() -> tuple[str, ...]:
    """SITES as the page's registry block writes it."""
    shown: dict = {}
    exec(compile(_FILES[_REGISTRY], f"{_DOC} ({_REGISTRY})", "exec"), shown)
    return shown["SITES"]


_ADDED = [entry for entry in _shown_sites() if entry not in _REAL_SITES]


@pytest.fixture(scope="session")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page's files written out once, under their own paths."""
    root = tmp_path_factory.mktemp("adding-a-site")
    for path, code in _FILES.items():
        if path != _REGISTRY:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(code, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _the_pages_site(_built: Path) -> Iterator[None]:
    """The page's package importable and registered, its template found, for one test."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline.sources, "__path__",
                   [*pipeline.sources.__path__, str(_built / "pipeline" / "sources")])
        mp.setattr(stories, "TEMPLATE_DIRS", [*stories.TEMPLATE_DIRS, _built / _TEMPLATES])
        mp.setattr(registry, "SITES", (*_REAL_SITES, *_ADDED))
        registry._sources.cache_clear()
        yield
    registry._sources.cache_clear()


def test_the_page_adds_one_package_one_registry_line_and_fixtures():
    assert all(path.startswith((_PACKAGE, "tests/")) or path == _REGISTRY for path in _FILES)
    assert {_PACKAGE + "defaults.py", _PACKAGE + "site.py", _TESTS} <= set(_FILES)
    assert _ADDED == ["pipeline.sources.chenbao.site:Chenbao"]


def test_the_pages_registry_block_is_the_registry_and_the_new_line():
    assert [entry for entry in _shown_sites() if entry not in _ADDED] == list(_REAL_SITES)


def test_the_new_site_is_off_by_default(workdir):
    from pipeline.config import settings

    loaded = settings.load(environ={})
    assert loaded.sites["chenbao"].enabled is False
    assert loaded.sites["chenbao"].min_interval == 2.0  # its own default, from its package
    assert [lst.name for lst in loaded.sites["chenbao"].lists] == ["latest"]


@pytest.fixture
def _on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the new site had been set ENABLED = True (asked for before `config`)."""
    monkeypatch.setattr(type(registry.get("chenbao")), "enabled_by_default", True)


@pytest.mark.slow
def test_a_new_site_on_by_default_breaks_no_crawl_test(_on_by_default, config, kr, ne, server):
    from pipeline.cli.main import main
    from tests.db import one

    kr.publish(articles=1, flashes=1)
    ne.publish("tech", 1)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert not [seen for seen in server.seen if "chenbao" in seen.host]
    assert one("SELECT count(DISTINCT site) FROM articles") == 2


# The page's own tests (tests/test_chenbao.py), run here with the site registered.
exec(compile(_FILES[_TESTS], f"{_DOC} ({_TESTS})", "exec"), globals())
