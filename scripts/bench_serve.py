#!/usr/bin/env python3
"""Benchmark of `newsvault serve`: page times, and the home page's latest-articles query.

    .venv/bin/python scripts/bench_serve.py [--rows 1000000] [--views 20]

1. Pages: the warehouse of the web tests (tests/webapp.py: two crawls of the synthetic
   sites) served by uvicorn on loopback; each page is asked `--views` times over HTTP
   (httpx) and the median and slowest times are printed.  Every view opens and lets go
   of the warehouse (the short read windows), so this is mostly that cost.
2. Windows: one article page's reads (`store.browse.reading`: the article and its
   versions) 50 times with the thread's DuckDB session kept between windows (attach and
   detach only), against a fresh session each time (the anchor, same run).
3. Latest articles: `--rows` synthetic articles (two sites, 2,000-character bodies) in
   an in-memory DuckDB; the query the home page uses (warehouse/queries/web_latest.sql,
   a LIMIT per site) against the row_number() window it replaced (the anchor, measured
   in the same run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import httpx  # noqa: E402

from pipeline.store.warehouse import sql_text  # noqa: E402
from pipeline.web.app import create_app  # noqa: E402
from tests import webapp  # noqa: E402

WINDOW = """
SELECT article_id, site, kind, title, source, published_at, status FROM (
    SELECT *, row_number() OVER (PARTITION BY site
                                 ORDER BY published_at DESC NULLS LAST, article_id) AS n
    FROM articles) WHERE n <= $per_site ORDER BY site, n"""


def pages(folder: webapp.WebFolder, views: int) -> None:
    paths = ["/", f"/a/{folder.edited_id}", f"/capture/{folder.revisit}",
             f"/capture/{folder.revisit}/frame", "/search?q=测试稿",
             "/trend?terms=智谱,MiniMax,DeepSeek&by=day", "/?format=json"]
    print("| page | median ms | slowest ms |\n|---|---|---|")
    with webapp.Live(create_app(folder.settings())) as live, httpx.Client() as client:
        for path in paths:
            client.get(live.origin + path).raise_for_status()  # warm
            times = []
            for _ in range(views):
                started = time.perf_counter()
                client.get(live.origin + path).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            print(f"| `{path}` | {statistics.median(times):.0f} | {max(times):.0f} |")


def windows(folder: webapp.WebFolder, times: int = 50) -> None:
    from pipeline.store import browse

    settings = folder.settings().warehouse
    for name, fresh in (("fresh session each window (anchor)", True),
                        ("session kept, attach/detach only", False)):
        spent = []
        for _ in range(times):
            if fresh:
                browse._discard()
            started = time.perf_counter()
            with browse.reading(settings) as reads:
                reads.article(folder.edited_id)
                reads.versions(folder.edited_id)
            spent.append((time.perf_counter() - started) * 1000)
        print(f"{name}: median {statistics.median(spent):.1f} ms a window ({times} windows)")


def latest(rows: int) -> None:
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE articles AS SELECT 'id' || i AS article_id,
        CASE WHEN i % 2 = 0 THEN '36kr' ELSE 'netease' END AS site, 'article' AS kind,
        'title ' || i AS title, 'src' AS source, status: 'ok',
        TIMESTAMPTZ '2024-01-01' + to_seconds(i * 60) AS published_at,
        repeat('x', 2000) AS body FROM range({int(rows)}) AS t(i)""")
    sites = [r[0] for r in con.execute(sql_text("web_sites")).fetchall()]

    def per_site() -> list:
        return [row for site in sites for row in con.execute(
            sql_text("web_latest"), {"site": site, "per_site": 10}).fetchall()]

    def window() -> list:
        return con.execute(WINDOW, {"per_site": 10}).fetchall()

    assert per_site() == window()
    for name, run in (("row_number() window (anchor)", window), ("LIMIT per site", per_site)):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        print(f"{name}: best of 3 {min(times):.3f} s over {rows:,} articles")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--views", type=int, default=20)
    args = parser.parse_args()
    folder = webapp.build(Path(tempfile.mkdtemp(prefix="nv-bench-serve-")))
    pages(folder, args.views)
    windows(folder)
    latest(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
