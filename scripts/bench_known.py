"""Benchmark: team mode's `known()` (is an id listed or stored?) with the lake asked too.

    python scripts/bench_known.py [--articles 20000] [--batch 100] [--page 500] [--reps 15]

Starts its own PostgreSQL (pgserver, as tests/pg.py does) and builds a team archive of
--articles stored articles, committed --batch at a time (one DuckLake file each, as a
crawl's batches leave them before `newsvault maintain`). Half of them are in the
frontier (crawled); the other half only in the lake (as after migrate-to, import-warc
or a backfill). Times, as medians of --reps calls of one list page of --page ids:

  frontier_only      PgControl.known: the frontier alone (the old answer, wrong for the
                     lake-only half)
  all_in_frontier    TeamStore.known when the frontier knows every id: no lake query
                     (the common case: a list page of items seen before)
  new_ids_10         ... 10 ids new to both: the lake is asked about those 10 (a list
                     page with new items)
  lake_only_page     ... every id stored but not in the frontier: the lake is asked
                     about the whole page (the first crawl after a migrate-to)
  frontier_rows_per_batch
                     the alternative: a 'done' frontier row per stored article, written
                     with each batch (INSERT ... ON CONFLICT DO NOTHING of --batch rows)

Prints one JSON block; docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.core.records import Link  # noqa: E402
from pipeline.store.team.control import PgControl  # noqa: E402
from pipeline.store.team.lake import Lake  # noqa: E402
from pipeline.store.team.store import TeamStore  # noqa: E402
from tests.lake import team_settings  # noqa: E402
from tests.pg import PgServer  # noqa: E402

STATES = ("INSERT INTO article_states (article_id, site, kind, first_seen_at, node, batch_id, "
          "stored_at) SELECT '163:K' || lpad(i::VARCHAR, 9, '0'), 'netease', 'article', "
          "now(), 'bench', 'bench-' || ?, now() FROM range(?, ?) t(i)")


def aid(n: int) -> str:
    return f"163:K{n:09d}"


def median_ms(call: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 2)


def build(lake: Lake, control: PgControl, args: argparse.Namespace) -> float:
    """The archive; returns the median seconds of one batch's frontier rows."""
    per_batch = []
    for start in range(0, args.articles, args.batch):
        lake.con.execute("BEGIN")
        lake.con.execute(STATES, [start, start, min(start + args.batch, args.articles)])
        lake.con.execute("COMMIT")
        if start < args.articles // 2:  # the crawled half is in the frontier
            links = [Link(f"https://www.163.com/dy/article/K{n:09d}.html", aid(n), "netease",
                          list_name="tech")
                     for n in range(start, min(start + args.batch, args.articles // 2))]
            began = time.perf_counter()
            control.add_links(links, 1)
            per_batch.append(time.perf_counter() - began)
    return statistics.median(per_batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--page", type=int, default=500)
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    pg = PgServer().start()
    try:
        name, url = pg.new_database()
        with tempfile.TemporaryDirectory(prefix="nv-bench-known-") as tmp:
            settings = team_settings(url, Path(tmp), "bench")
            control = PgControl.open(settings)
            store = TeamStore(control, Lake.open(settings))
            control.start_run(control.new_run_id(), ["netease"], "bench", 1, "")
            began = time.perf_counter()
            insert = build(store.archive, control, args)  # type: ignore[arg-type]
            built = time.perf_counter() - began
            half, page = args.articles // 2, args.page
            crawled = [aid(n) for n in range(half - page, half)]
            fresh = crawled[10:] + [f"163:NEW{n}" for n in range(10)]
            migrated = [aid(n) for n in range(args.articles - page, args.articles)]
            assert store.known(migrated) == set(migrated)
            assert control.known(migrated) == set()
            report = {
                "articles": args.articles, "batch": args.batch, "page": page,
                "build_s": round(built, 1),
                "frontier_only_ms": median_ms(lambda: control.known(crawled), args.reps),
                "all_in_frontier_ms": median_ms(lambda: store.known(crawled), args.reps),
                "new_ids_10_ms": median_ms(lambda: store.known(fresh), args.reps),
                "lake_only_page_ms": median_ms(lambda: store.known(migrated), args.reps),
                "frontier_rows_per_batch_ms": round(insert * 1000, 2)}
            store.close()
        pg.drop_database(name)
    finally:
        pg.stop()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
