"""Running the command line in tests, as a user would, and reading what it said."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.sources import registry
from tests.fakesites import Fake36Kr, FakeNetEase


def nv(*args: str) -> int:
    """`newsvault --warehouse news.duckdb ARGS` in the current folder; its exit code."""
    return main(["--warehouse", "news.duckdb", *args])


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command wrote to stderr, which must be exactly one line."""
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


def process_configs(config: Path) -> list[str]:
    """The `--config` options for `newsvault` run in another process on the `config`
    fixture's settings.  That fixture sets two site defaults in the test's own process
    (36Kr's 5 s spacing to 0, a registered site the fakes do not play off); another
    process gets them from a first config file, which the test's config overrides as it
    overrides site defaults.  Without it each 36Kr request of the child waits 5 s."""
    lines = ["[sites.36kr]", "min_interval = 0.0"]
    for name in registry.names():
        if name not in (Fake36Kr.site, FakeNetEase.site):
            lines += [f"[sites.{name}]", "enabled = false"]
    defaults = config.with_name("site-defaults.toml")
    defaults.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--config", str(defaults), "--config", str(config)]
