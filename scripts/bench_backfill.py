"""Backfill speed and memory against a local archive that answers at once.

    python scripts/bench_backfill.py --pages 20000 [--sample 2000] [--concurrency 4]

A child process serves a synthetic Wayback Machine on 127.0.0.1 (CDX pages of 1,000
rows with resume keys; `id_` replay of generated 36Kr article pages, each different),
so its memory and CPU are not counted.  This process runs `backfill` as the command
does (fetcher, WARC archive, extraction, DuckDB batches, term index) with the archive
pacing set to zero, and prints:

    anchor     extract() alone on the same kind of pages, pages/s (same run, same machine)
    backfill   archived pages stored per second, wall clock, index phase included
    rss        resident memory every --sample pages, and the peak (ru_maxrss)

Numbers go to docs/benchmarks.md with the command that made them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakesites import Fake36Kr, Story, story_text  # noqa: E402
from tests.server import Reply, Seen, TestServer  # noqa: E402

BASE = 3_800_000_000_000_000
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def story(n: int) -> Story:
    title, paras = story_text(n, 6)
    paras.append(f"本稿编号{n}，用于基准测试的独立段落，内容各不相同：{n * 7919 % 100003}。")
    return Story(str(BASE + n), title, paras, START + dt.timedelta(minutes=n))


def stamp(n: int) -> str:
    return (START + dt.timedelta(minutes=n, hours=1)).strftime("%Y%m%d%H%M%S")


def serve(pages: int) -> None:
    """The child: a Wayback CDX API and id_ replay over `pages` generated articles."""
    kr = Fake36Kr()
    server = TestServer()

    def handle(seen: Seen) -> Reply | None:
        parts = urlsplit(seen.path)
        if parts.path == "/robots.txt":
            return Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain")
        if parts.path == "/cdx/search/cdx":
            query = parse_qs(parts.query)
            if query["url"][0] != "36kr.com/p/*":
                return Reply(200, "[]", content_type="application/json")
            limit = int(query["limit"][0])
            first = int(query.get("resumeKey", ["0"])[0])
            rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
                     "length"]]
            last = min(pages, first + limit)
            rows += [[f"com,36kr)/p/{BASE + n}", stamp(n), f"https://36kr.com/p/{BASE + n}",
                      "text/html", "200", f"D{n}", "9000"] for n in range(first, last)]
            if last < pages:
                rows += [[], [str(last)]]
            return Reply(200, json.dumps(rows), content_type="application/json")
        if parts.path.startswith("/web/"):
            item = int(unquote(seen.path).rsplit("/", 1)[1]) - BASE
            return Reply(200, kr.article_page(story(item)), headers={
                "X-Archive-Orig-Content-Type": "text/html; charset=utf-8"})
        return None

    server.fallbacks.append(handle)
    server.start()
    print(server.port, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def duckdb_mb() -> float:
    """Memory DuckDB holds in the running backfill's warehouse connection."""
    import gc

    from pipeline.store.warehouse import Warehouse

    for obj in gc.get_objects():
        if isinstance(obj, Warehouse) and not obj.read_only:
            row = obj.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()"
                                  ).fetchone()
            return (row[0] or 0) / 1e6 if row else 0.0
    return 0.0


def anchor(count: int) -> float:
    from pipeline.extract import extract

    kr = Fake36Kr()
    pages = [kr.article_page(story(n)).encode() for n in range(count)]
    started = time.perf_counter()
    for n, page in enumerate(pages):
        extract(page, f"https://36kr.com/p/{BASE + n}")
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0

    child = subprocess.Popen([sys.executable, __file__, "--serve", str(args.pages)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    port = int(child.stdout.readline())
    try:
        return run(args, port)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def run(args: argparse.Namespace, port: int) -> int:
    from pipeline.config import settings as settings_mod
    from pipeline.jobs.backfill import BackfillOptions, backfill

    rate_anchor = anchor(300)
    print(f"anchor: extract() alone {rate_anchor:.1f} pages/s (300 pages)")
    folder = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    os.chdir(folder)  # DuckDB spills to .tmp/ in the working folder
    settings = settings_mod.load([], {
        "warehouse.path": str(folder / "news.duckdb"),
        "fetch.connect_to": [f"*=http://127.0.0.1:{port}"],
        "backfill.wayback_interval": 0.0, "backfill.concurrency": args.concurrency,
        "backfill.cdx_limit": 1000}, environ={})
    samples: list[tuple[int, float, float]] = []
    started = time.perf_counter()
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        with lock:
            if done and done % args.sample == 0 and (not samples or samples[-1][0] != done):
                samples.append((done, time.perf_counter() - started, rss_mb()))
                print(f"  {done:>7} pages  {samples[-1][1]:7.1f} s  "
                      f"{done / samples[-1][1]:6.1f} pages/s  rss {samples[-1][2]:6.1f} MB"
                      f"  (duckdb {duckdb_mb():5.1f} MB)", flush=True)

    report = backfill(settings, BackfillOptions(since=START, sites=["36kr"],
                                                archives=["wayback"]), progress=progress)
    seconds = time.perf_counter() - started
    stored = sum(s.new for s in report.sites)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(report.summary)
    print(f"backfill: {stored} pages stored in {seconds:.1f} s = {stored / seconds:.1f} pages/s"
          f" (concurrency {args.concurrency}); peak rss {peak:.0f} MB")
    if len(samples) >= 2:
        first, last = samples[0], samples[-1]
        print(f"rss from {first[0]} to {last[0]} pages: {first[2]:.1f} -> {last[2]:.1f} MB "
              f"({(last[2] - first[2]) / max(1, last[0] - first[0]) * 1000:.2f} MB per 1,000 "
              "pages)")
    size = sum(p.stat().st_size for p in (folder / "warc").glob("*.warc.gz")) / 1e6
    print(f"warc {size:.0f} MB, warehouse {(folder / 'news.duckdb').stat().st_size / 1e6:.0f} MB"
          f" in {folder}")
    return 0 if stored == args.pages else 1


if __name__ == "__main__":
    os.environ.pop("NEWSVAULT_FAULT", None)
    sys.exit(main())
