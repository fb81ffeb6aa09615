#!/usr/bin/env python3
"""Team mode's reads against the DuckDB file's: what a reader costs to open, and why
`newsvault serve` keeps one per thread.

    .venv/bin/python scripts/bench_team_reads.py [--batches 40] [--size 50] [--views 20]

The same synthetic batches (scripts/bench_lake.py's: a capture and an article of ~3,000
Chinese characters per page) are written into a DuckDB file (the anchor) and into a lake
on a local PostgreSQL (pgserver, the tests' fixture).  Then, medians of `--views` runs:

1. opening a team reader (pipeline.store.team.reader.TeamReader: two extensions, the
   lake's ATTACH, the control state's, the file-named views);
2. one article page's reads (store.browse.reading: the article and its versions) on the
   file (attach and detach per window, the thread's session kept), on team mode with the
   thread's reader kept (what serve does), and with a new reader per window;
3. `status` and `coverage` (the library functions) on both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_lake import make_batch  # noqa: E402

from pipeline.config import settings as settings_mod  # noqa: E402


def median_ms(work: Callable[[], object], views: int) -> float:
    times = []
    for _ in range(views):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def build(folder: Path, url: str, batches: int, size: int) -> tuple[object, object]:
    """The file's and the team's settings, each holding the same batches."""
    from pipeline.store.team import schema
    from pipeline.store.team.connect import connect
    from pipeline.store.team.lake import Lake
    from pipeline.store.warehouse import Warehouse

    file = settings_mod.load([], {"warehouse.path": str(folder / "news.duckdb")}, environ={})
    team = settings_mod.load([], {"warehouse.path": url, "team.node": "bench",
                                  "warehouse.data_path": str(folder / "shared")}, environ={})
    work = [make_batch(1, b * size, size) for b in range(batches)]
    with Warehouse.open(file.warehouse) as warehouse:
        for batch in work:
            warehouse.write_archive(batch, 1)
    with Lake.open(team) as lake:
        for batch in work:
            lake.write_archive(batch, 1)
    with connect(url, autocommit=True) as con:
        schema.ensure(con)
    return file, team


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--views", type=int, default=20)
    args = parser.parse_args()
    from pipeline.analyze.coverage import coverage
    from pipeline.analyze.query import status
    from pipeline.store import readers
    from pipeline.store.browse import reading
    from pipeline.store.team.reader import TeamReader
    from tests.pg import PgServer

    article = "163:B0000000007"

    def page(settings: object) -> None:
        with reading(settings) as browse:  # type: ignore[arg-type]
            browse.article(article)
            browse.versions(article)

    def fresh_page(settings: object) -> None:
        readers.discard()
        page(settings)

    server = PgServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _, url = server.new_database()
            file, team = build(Path(tmp), url, args.batches, args.size)
            print(f"{args.batches * args.size} articles; medians of {args.views} runs")
            opened = median_ms(lambda: TeamReader.open(team).close(), max(args.views // 4, 3))
            print(f"open a team reader:                 {opened:8.1f} ms")
            for name, work in (("article page, file", lambda: page(file)),
                               ("article page, team, kept reader", lambda: page(team)),
                               ("article page, team, new reader", lambda: fresh_page(team)),
                               ("status, file", lambda: status(file)),
                               ("status, team (kept reader)", lambda: status(team)),
                               ("coverage, file", lambda: coverage(file)),
                               ("coverage, team (kept reader)", lambda: coverage(team))):
                print(f"{name + ':':36s}{median_ms(work, args.views):8.1f} ms")
            readers.discard()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
