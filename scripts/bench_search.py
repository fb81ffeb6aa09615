#!/usr/bin/env python3
"""Benchmark of issue 17 point 1: `newsvault search` on the synthetic warehouse of
scripts/bench_trends.py.

    .venv/bin/python scripts/bench_trends.py --generate-only --articles 1000000 \\
        --workdir /tmp/nvbench                     # once: the articles (about 8 minutes)
    .venv/bin/python scripts/bench_search.py --workdir /tmp/nvbench

The first run indexes the warehouse (`newsvault terms`, which also sorts each month's
term rows by term; about 10 minutes for a million articles on two cores) unless
--no-index.  Then, for each query:

  library   `pipeline.analyze.search.search` called in one process, as the web page
            calls it: the segmenter kept between calls, the warehouse opened read-only
            for each search (a fresh DuckDB cache each time, as a crawl may write in
            between); best and median wall time of --repeat runs (the first run,
            which loads jieba, excluded), and the median CPU time the process used
            (all its threads): on a machine shared with other work the wall time
            grows with the load, the CPU time much less
  command   the whole `newsvault search QUERY --csv` (Python start-up, jieba and the
            warehouse included), best of 3

and, as the anchor measured in the same run (the machine is shared), the whole
`newsvault trend 智谱 英伟达 --by month --csv`, which reads the same index.

Prints a Markdown table (and writes it to --markdown if given) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    ("two entities", "智谱 英伟达", {}),
    ("entity and a common word", "DeepSeek 模型", {}),
    ("two rare words", "千问 火山引擎", {}),
    ("two of the commonest words", "公司 市场", {}),
    ("two common words (a third of the articles)", "价格 部门", {}),
    ("two words, one site, half a year", "智谱 英伟达",
     {"site": "36kr", "since": "2026-01-01", "until": "2026-06-30"}),
    ("two words minus one", "智谱 英伟达 -融资", {}),
    ("a quoted phrase of two entities", '"智谱 DeepSeek"', {}),
]
LIBRARY = """
import json, resource, statistics, sys, time
from pipeline.analyze.search import SearchQuery, search
from pipeline.config import settings as S
settings = S.load([{config!r}], {{'warehouse.path': {path!r}}}, environ={{}})

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

out = []
for text, options in {queries!r}:
    runs, cpus = [], []
    for n in range({repeat} + 1):
        started, used = time.perf_counter(), cpu()
        result = search(settings, SearchQuery(text, **options))
        runs.append(time.perf_counter() - started)
        cpus.append(cpu() - used)
    out.append({{"total": result.total, "hits": len(result.hits),
                 "best": min(runs[1:]), "median": statistics.median(runs[1:]),
                 "cpu": statistics.median(cpus[1:]), "first": runs[0]}})
print(json.dumps(out))
"""


def command(nv: list[str], args: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([*nv, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def flags(options: dict[str, str]) -> list[str]:
    return [part for key, value in options.items() for part in (f"--{key}", value)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nvbench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-index", action="store_true",
                        help="do not run `newsvault terms` first")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    db = args.workdir / "bench.duckdb"
    if not db.exists():
        raise SystemExit(f"no {db}: make it with scripts/bench_trends.py --generate-only "
                         "--workdir " + str(args.workdir))
    config = str(ROOT / "configs")
    nv = [sys.executable, "-m", "pipeline", "--warehouse", str(db), "--config", config]
    lines = []
    if not args.no_index:
        started = time.perf_counter()
        subprocess.run([*nv, "-q", "terms"], check=True)
        lines.append(f"index (`newsvault terms`): {time.perf_counter() - started:.0f} s")
    count = subprocess.run([*nv, "sql", "SELECT count(*) FROM term_docs", "--csv"],
                           check=True, capture_output=True, text=True).stdout.split()[-1]
    load = f"{os.getloadavg()[0]:.1f}"
    anchor = command(nv, ["trend", "智谱", "英伟达", "--by", "month", "--csv"])
    code = LIBRARY.format(config=config, path=str(db), repeat=args.repeat,
                          queries=[(q, o) for _, q, o in QUERIES])
    library = json.loads(subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                                        capture_output=True, text=True).stdout.splitlines()[-1])
    table = [f"{int(count):,} indexed articles; load {load} at the start; anchor "
             f"`newsvault trend 智谱 英伟达 --by month --csv`: {anchor:.2f} s", "",
             "| query | found | library: best / median wall | library: CPU (median) | "
             "whole command, best of 3 |",
             "|---|---:|---:|---:|---:|"]
    for (label, text, options), lib in zip(QUERIES, library, strict=True):
        whole = command(nv, ["search", text, "--csv", *flags(options)])
        shown = " ".join([f"`{text}`", *(f"--{k} {v}" for k, v in options.items())])
        table.append(f"| {label}: {shown} | {lib['total']:,} | "
                     f"{lib['best'] * 1000:.0f} / {lib['median'] * 1000:.0f} ms | "
                     f"{lib['cpu'] * 1000:.0f} ms | {whole:.2f} s |")
    report = "\n".join([*lines, *table])
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
