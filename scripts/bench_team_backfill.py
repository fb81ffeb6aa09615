"""Backfill in team mode: two nodes vs one on a synthetic archive (issue 16 point 4).

    python scripts/bench_team_backfill.py [--pages 400] [--delay 0.03] [--concurrency 2]

Starts its own PostgreSQL (pgserver, as tests/pg.py does) and a synthetic Wayback
Machine on 127.0.0.1 (CDX pages of 100 rows with resume keys, `id_` replay of generated
36Kr article pages, each different), every answer after --delay seconds; the server
counts each record read.  Each part runs `newsvault backfill` processes on a fresh
database and shared data path, with the archive pacing set to zero:

    file   one process on a DuckDB file (the anchor: same run, same machine)
    one    one node in team mode
    two    two nodes in team mode at once

and prints, per part: wall seconds, pages stored per second, record reads (and how many
were read more than once), stored articles (and duplicates), each process's exit code
and its `runs` row, and the CPU seconds the nodes and the archive server used (PostgreSQL's
are not counted).  docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from scripts.bench_backfill import BASE, START, stamp, story  # noqa: E402
from tests.fakesites import Fake36Kr  # noqa: E402
from tests.pg import PgServer  # noqa: E402
from tests.server import Reply, Seen, TestServer  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ROWS = 100  # CDX rows per page


def archive(pages: int, delay: float) -> tuple[TestServer, Counter[str]]:
    """The synthetic Wayback Machine and its count of record reads by path."""
    kr, reads = Fake36Kr(), Counter[str]()
    server = TestServer()

    def handle(seen: Seen) -> Reply | None:
        parts = urlsplit(seen.path)
        if parts.path == "/robots.txt":
            return Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain")
        time.sleep(delay)
        if parts.path == "/cdx/search/cdx":
            query = parse_qs(parts.query)
            if query["url"][0] != "36kr.com/p/*":
                return Reply(200, "[]", content_type="application/json")
            first = int(query.get("resumeKey", ["0"])[0])
            last = min(pages, first + min(ROWS, int(query["limit"][0])))
            rows: list[list[str]] = [["urlkey", "timestamp", "original", "mimetype",
                                      "statuscode", "digest", "length"]]
            rows += [[f"com,36kr)/p/{BASE + n}", stamp(n), f"https://36kr.com/p/{BASE + n}",
                      "text/html", "200", f"D{n}", "9000"] for n in range(first, last)]
            if last < pages:
                rows += [[], [str(last)]]
            return Reply(200, json.dumps(rows), content_type="application/json")
        if parts.path.startswith("/web/"):
            reads[seen.path] += 1
            item = int(unquote(seen.path).rsplit("/", 1)[1]) - BASE
            return Reply(200, kr.article_page(story(item)), headers={
                "X-Archive-Orig-Content-Type": "text/html; charset=utf-8"})
        return None

    server.fallbacks.append(handle)
    return server.start(), reads


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by the finished child processes (the nodes) and by this
    process (the archive server's threads)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return kids.ru_utime + kids.ru_stime, own.ru_utime + own.ru_stime


def config(folder: Path, origin: str, concurrency: int) -> Path:
    path = folder / "bench.toml"
    path.write_text("\n".join([
        "[fetch]", f'connect_to = ["*={origin}"]', "retries = 1", "backoff_base = 0.01",
        "[backfill]", "wayback_interval = 0.0", f"concurrency = {concurrency}",
        f"cdx_limit = {ROWS}", "batch_size = 50",
        "[team]", "lease_ttl = 10.0", "heartbeat = 1.0"]) + "\n")
    return path


def backfill(cfg: Path, warehouse: str, node: str, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(cfg), "--warehouse", warehouse,
         "--node", node, "backfill", "--since", START.strftime("%Y-%m-%d"), "--site", "36kr",
         "--from", "wayback", "-q"], cwd=folder,
        env={**ENV, "NEWSVAULT_DATA_PATH": str(folder / "shared")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def part(name: str, nodes: list[str], warehouse: str, args: argparse.Namespace,
         tmp: Path) -> dict[str, object]:
    server, reads = archive(args.pages, args.delay)
    folder = tmp / name
    folder.mkdir()
    cfg = config(folder, server.origin, args.concurrency)
    try:
        began, cpu = time.perf_counter(), cpu_seconds()
        procs = [backfill(cfg, warehouse, node, folder) for node in nodes]
        outs = [p.communicate(timeout=3600) for p in procs]
        seconds = time.perf_counter() - began
        used = [after - before for before, after in zip(cpu, cpu_seconds(), strict=True)]
    finally:
        server.stop()
    result: dict[str, object] = {
        "seconds": round(seconds, 1), "pages_per_s": round(args.pages / seconds, 1),
        "cpu_s_nodes": round(used[0], 1), "cpu_s_archive_server": round(used[1], 1),
        "record_reads": sum(reads.values()), "records": len(reads),
        "read_twice": sum(1 for n in reads.values() if n > 1),
        "exit_codes": [p.returncode for p in procs],
        "errors": [err.strip()[-200:] for _, err in outs if err.strip()]}
    if warehouse.startswith("postgresql://"):
        with psycopg.connect(warehouse) as con:
            result["runs"] = [list(r) for r in con.execute(
                "SELECT node, outcome, exit_code FROM nv_ctl.runs ORDER BY run_id")]
            result["stored_per_node"] = dict(con.execute(
                "SELECT r.node, s.new FROM nv_ctl.run_sites s JOIN nv_ctl.runs r "
                "USING (run_id) ORDER BY 1").fetchall())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.03)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-team-backfill-"))
    pg = PgServer().start()
    try:
        out: dict[str, object] = {"pages": args.pages, "delay": args.delay,
                                  "concurrency": args.concurrency}
        out["file"] = part("file", ["f1"], str(tmp / "news.duckdb"), args, tmp)
        for name, nodes in (("one", ["n1"]), ("two", ["n1", "n2"])):
            _, url = pg.new_database()
            out[name] = part(name, nodes, url, args, tmp)
        one, two = out["one"], out["two"]
        assert isinstance(one, dict) and isinstance(two, dict)
        out["two_vs_one"] = round(one["seconds"] / two["seconds"], 2)
        for key, value in out.items():
            print(f"{key}: {json.dumps(value)}")
    finally:
        pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
