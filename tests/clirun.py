"""Running the command line in tests, as a user would, and reading what it said."""

from __future__ import annotations

import pytest

from pipeline.cli.main import main


def nv(*args: str) -> int:
    """`newsvault --warehouse news.duckdb ARGS` in the current folder; its exit code."""
    return main(["--warehouse", "news.duckdb", *args])


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command wrote to stderr, which must be exactly one line."""
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err
