"""Opt-in smoke check against the real sites: NEWSVAULT_LIVE=1 python -m pytest tests/test_live.py

Skipped by default (tests never touch the internet). It tells, on a machine with
network access, whether the sites still look as the sources expect: each site's lists
are read and two article pages per site are extracted."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.cli.main import main


@pytest.mark.live
@pytest.mark.parametrize("site", ["36kr", "netease"])
def test_the_real_site_still_reads(workdir, site):
    code = main(["--warehouse", "live.duckdb", "crawl", "--site", site, "--max-articles", "2"])
    con = duckdb.connect("live.duckdb", read_only=True)
    try:
        pages, errors = con.execute("SELECT list_pages, error FROM run_sites").fetchone()
        bodies = con.execute("SELECT count(*) FROM articles WHERE length(body) > 100 "
                             "OR kind = 'newsflash'").fetchone()[0]
    finally:
        con.close()
    assert pages > 0, errors
    assert bodies > 0, errors
    assert code in (0, 1)
