"""`newsvault demo`: the synthetic sites crawled offline into a demo warehouse of its own."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())
    finally:
        con.close()


@pytest.mark.slow
def test_demo_crawls_both_synthetic_sites_into_its_own_warehouse(workdir, capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    demo = workdir / "warehouse" / "demo" / "news.duckdb"
    counts = _counts(demo)
    assert counts.get("36kr", 0) > 0 and counts.get("netease", 0) > 0
    assert list((demo.parent / "warc").glob("*.warc.gz"))
    assert not (workdir / "warehouse" / "news.duckdb").exists()  # the real one untouched
    assert f"newsvault status --warehouse {demo.relative_to(workdir)}" in out


@pytest.mark.slow
def test_a_second_demo_adds_nothing(workdir, capsys):
    folder = workdir / "try"
    assert main(["demo", "--dir", str(folder)]) == 0
    before = _counts(folder / "news.duckdb")
    capsys.readouterr()
    assert main(["demo", "--dir", str(folder)]) == 0
    assert _counts(folder / "news.duckdb") == before
    assert "0 new" in capsys.readouterr().out
