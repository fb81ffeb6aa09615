"""Readers during a crawl: `newsvault sql` at random moments, and the crawl's throughput.

    python scripts/bench_readers.py [--pages 2400] [--repeat 2] [--calls 100]
        [--reader-pages 1800] [--interval 0.1]
        [--anchor /path/to/old/worktree --anchor-python /path/to/old/.venv/bin/python]

tests/server.py plays a synthetic NetEase site (tests/fakesites.py, JSONP lists of 500
items), reached through --connect-to, unthrottled (fetch.min_interval = 0: the most
commits per second, the worst case for a crawl that attaches the warehouse per batch).

1. `crawl alone`: a crawl of --pages article pages into a new warehouse; articles
   stored per second and the crawl's CPU seconds.  With --anchor, the same crawl run by
   that code tree (today's code, e.g. a worktree of main with its own venv), --repeat
   times each, interleaved, in the same session; medians compared.
2. `crawl with readers`: a crawl of --reader-pages pages at fetch.min_interval =
   --interval (1,800 pages at 0.1 s: about three minutes), and --calls `newsvault sql
   "SELECT count(*) FROM articles"` processes started at random moments spread over its
   expected duration; each one's exit code and wall time (process start to exit,
   Python start-up included; warehouse.lock_wait 30 s), and the same call's median
   time once the crawl is over (`idle_p50_s`: start-up and query alone).  With
   --anchor, --anchor-calls calls against the anchor's same crawl too (lock_wait 5 s,
   so they fail fast if locked out).
3. `status` on the finished warehouse: wall time and CPU time, median of 5.

Prints JSON; docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from tests.fakesites import CHANNELS, FakeNetEase  # noqa: E402
from tests.server import TestServer  # noqa: E402


def config(folder: Path, origin: str, lock_wait: float = 30.0, interval: float = 0.0) -> Path:
    lines = ["[fetch]", f'connect_to = ["*={origin}"]', "retries = 1", "backoff_base = 0.01",
             f"min_interval = {interval}", "concurrency_per_host = 8",
             "[warehouse]", f"lock_wait = {lock_wait}",
             "[crawl]", "batch_size = 50",
             "[sites.36kr]", "enabled = false",
             "[[sites.netease.lists]]", 'name = "tech"', 'kind = "jsonp"',
             f'url = "https://{CHANNELS["tech"][0]}{CHANNELS["tech"][1]}"', "max_pages = 100"]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def command(root: Path, python: str, cfg: Path, db: Path, *args: str) -> tuple[list[str], dict]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("NEWSVAULT_FAULT", None)
    return [python, "-m", "pipeline", "--config", str(cfg), "--warehouse", str(db),
            *args], env


def count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def crawl(pages: int, root: Path, python: str, calls: int = 0, expected: float = 0.0,
          reader_wait: float = 30.0, seed: int = 1, interval: float = 0.0
          ) -> dict[str, object]:
    server = TestServer().start()
    site = FakeNetEase(per_page=500, max_pages=100)
    site.install(server)
    site.publish("tech", pages)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "news.duckdb"
        cfg = config(folder, server.origin, interval=interval)
        reader_cfg = _reader_config(folder, reader_wait)
        argv, env = command(root, python, cfg, db, "crawl", "-q")
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=folder)
        results: list[tuple[float, float, int, str]] = []
        threads = []
        rng = random.Random(seed)
        moments = sorted(rng.uniform(0.03, 0.95) * expected for _ in range(calls))

        def reader(at: float) -> None:
            argv_r, env_r = command(root, python, reader_cfg, db, "sql",
                                    "SELECT count(*) FROM articles", "--csv")
            began = time.perf_counter()
            done = subprocess.run(argv_r, env=env_r, capture_output=True, text=True,
                                  check=False, cwd=folder)
            results.append((began - start, time.perf_counter() - began, done.returncode,
                            done.stderr.strip()[-200:]))

        while calls and not db.exists() and proc.poll() is None:
            time.sleep(0.01)  # before the crawl creates it, "no warehouse" is right
        for at in moments:
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(target=reader, args=(at,))
            thread.start()
            threads.append(thread)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out, err = proc.communicate()
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        for thread in threads:
            thread.join()
        if proc.returncode not in (0, 1):
            raise SystemExit(f"crawl failed ({proc.returncode}): {err}")
        stored = count(db)
        report: dict[str, object] = {
            "code": str(root), "pages": pages, "min_interval": interval, "stored": stored,
            "seconds": round(seconds, 1),
            "articles_per_s": round(stored / seconds, 1), "summary": out.strip()[-160:]}
        if not calls:  # the crawl is the only child process: its CPU time
            report["cpu_s"] = round(after.ru_utime - before.ru_utime + after.ru_stime
                                    - before.ru_stime, 1)
        if calls:
            during = [r for r in results if r[0] < seconds]
            ok = [r for r in results if r[2] == 0]
            latencies = sorted(r[1] for r in results)
            report["readers"] = {
                "calls": len(results), "started_during_the_crawl": len(during),
                "succeeded": len(ok),
                "exit_codes": sorted({r[2] for r in results}),
                "p50_s": round(statistics.median(latencies), 3),
                "p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
                "max_s": round(latencies[-1], 3),
                "first_failure": next((r[3] for r in results if r[2] != 0), None),
                "idle_p50_s": idle_latency(root, python, reader_cfg, db)}
        else:
            report["status"] = status_time(root, python, cfg, db)
    server.stop()
    return report


def _reader_config(folder: Path, lock_wait: float) -> Path:
    path = folder / "reader.toml"
    path.write_text(f"[warehouse]\nlock_wait = {lock_wait}\n")
    return path


def idle_latency(root: Path, python: str, cfg: Path, db: Path) -> float:
    """The same `newsvault sql` call on the finished warehouse, no crawl running: what
    Python start-up and the query cost on this machine (median of 5)."""
    times = []
    for _ in range(5):
        argv, env = command(root, python, cfg, db, "sql", "SELECT count(*) FROM articles",
                            "--csv")
        began = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False, cwd=db.parent)
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 3)


def status_time(root: Path, python: str, cfg: Path, db: Path) -> dict[str, float]:
    """`newsvault status` on the finished warehouse: median wall and CPU seconds of 5."""
    walls, cpus = [], []
    for _ in range(5):
        argv, env = command(root, python, cfg, db, "status")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True, cwd=db.parent)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"wall_s": round(statistics.median(walls), 3),
            "cpu_s": round(statistics.median(cpus), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2400)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--anchor", type=Path, help="code tree of today's newsvault (a worktree)")
    ap.add_argument("--anchor-python", default=sys.executable)
    ap.add_argument("--anchor-calls", type=int, default=5)
    ap.add_argument("--reader-pages", type=int, default=1800,
                    help="pages of the crawl the readers run beside")
    ap.add_argument("--interval", type=float, default=0.1,
                    help="fetch.min_interval of that crawl (0.1: about three minutes)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="crawls alone of each code tree, interleaved (the machine is noisy)")
    args = ap.parse_args()
    report: dict[str, object] = {}
    alone, anchor = [], []
    for n in range(args.repeat):
        order = [("new", ROOT, sys.executable), ("anchor", args.anchor, args.anchor_python)]
        for name, root, python in (order if n % 2 == 0 else order[::-1]):
            if root is not None:
                (alone if name == "new" else anchor).append(crawl(args.pages, root, python))
    if alone:
        report["crawl_alone"] = alone
        rate = statistics.median(r["articles_per_s"] for r in alone)  # type: ignore[misc]
        report["median_articles_per_s"] = rate
    if anchor:
        report["anchor_crawl_alone"] = anchor
        anchor_rate = statistics.median(r["articles_per_s"] for r in anchor)  # type: ignore[misc]
        report["anchor_median_articles_per_s"] = anchor_rate
        report["throughput_vs_anchor"] = f"{rate / anchor_rate - 1:+.1%}"
    expected = args.reader_pages * args.interval
    report["crawl_with_readers"] = crawl(args.reader_pages, ROOT, sys.executable, args.calls,
                                         expected, interval=args.interval)
    if args.anchor and args.anchor_calls:
        report["anchor_crawl_with_readers"] = crawl(
            args.reader_pages, args.anchor, args.anchor_python, args.anchor_calls, expected,
            reader_wait=5.0, interval=args.interval)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
