"""Benchmark: `newsvault reextract` in team mode on 1 node vs N nodes at once (issue 16
target: 20,000 articles, 2 nodes >= 1.6x one node, one process per core).

    python scripts/bench_reextract_team.py [--articles 20000] [--repeats 2] [--nodes 2]
                                           [--lease-ttl 60] [--no-index]

Starts its own PostgreSQL (pgserver, through tests/pg.py's holder, stopped when the
script ends).  The archive is built once, without crawling (crawling 20,000 fake pages
takes many minutes): tests/pagelake.py writes the demo's fake NetEase article pages as
WARC records under a shared data path and their captures and articles into the lake, as
stored by an older extractor ("0-old"), so `reextract` (its default: articles of
another extractor version) re-extracts every one from its WARC record and stores a new
state (and the old one in article_versions).  That database is kept as a template: each
measurement gets a fresh copy of it (CREATE DATABASE ... TEMPLATE, and the data folder
copied back), so every run starts from the same archive.

Measurements alternate (1 node, N nodes, 1 node, ...), --repeats times each.  Each runs
`newsvault reextract -q` in separate processes with --node r1..rN started together, and
times them from the start to the last exit (process start and attach included).  It then
checks the archive: every article re-extracted exactly once (article_states rows of
this extractor per article), each old state kept once, every process exit 0 and its
`runs` row ok, and how many units each node did; `node_cpu_s` is the CPU time the
reextract processes used (PostgreSQL's not included).  `--no-index` turns off
terms.index_on_crawl (by default each changed article is also indexed, as in a real
reextract).  Prints one JSON block with the machine's load average around each run;
docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from pipeline.extract import EXTRACTOR_VERSION  # noqa: E402
from pipeline.store.team.control import PgControl  # noqa: E402
from pipeline.store.team.lake import Lake  # noqa: E402
from tests.lake import team_settings  # noqa: E402
from tests.pagelake import page_archive  # noqa: E402
from tests.pg import PgServer, uri  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
BASE, RUN = "nv_bench_base", "nv_bench_run"


class Bench:
    def __init__(self, pg: PgServer, folder: Path, args: argparse.Namespace) -> None:
        self.pg, self.folder, self.args = pg, folder, args
        self.data = folder / "shared"
        self.saved = folder / "shared.orig"
        self.url = uri(pg.socket_dir, RUN)
        self.config = folder / "bench.toml"
        self.config.write_text(
            f'[warehouse]\ndata_path = "{self.data}"\nthreads = {args.threads}\n'
            f"[team]\nlease_ttl = {args.lease_ttl}\nheartbeat = {args.lease_ttl / 10}\n"
            f"[terms]\nindex_on_crawl = {'false' if args.no_index else 'true'}\n")

    def build(self) -> dict[str, object]:
        with self.pg.admin() as con:
            con.execute(f'CREATE DATABASE "{BASE}"')
        base = uri(self.pg.socket_dir, BASE)
        started = time.perf_counter()
        PgControl.at(base, node="builder").close()  # the control schema, untimed later
        page_archive(team_settings(base, self.data, "builder"), self.args.articles,
                     progress=lambda n: print(f"\rbuilt {n}", end="", file=sys.stderr))
        print(file=sys.stderr)
        seconds = time.perf_counter() - started
        shutil.copytree(self.data, self.saved)
        return {"articles": self.args.articles, "build_s": round(seconds, 1)}

    def restore(self) -> None:
        """A fresh copy of the built archive: its database and its files."""
        with self.pg.admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{RUN}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{RUN}" TEMPLATE "{BASE}"')
        shutil.rmtree(self.data)
        shutil.copytree(self.saved, self.data)

    def measure(self, nodes: int) -> dict[str, object]:
        self.restore()
        load = os.getloadavg()[0]
        cpu = _children_cpu()
        started = time.perf_counter()
        procs = [subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--config", str(self.config), "--warehouse",
             self.url, "--node", f"r{i}", "reextract", "-q"], cwd=self.folder, env=ENV,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(1, nodes + 1)]
        outs = [p.communicate(timeout=3600) for p in procs]
        seconds = time.perf_counter() - started
        result = {"nodes": nodes, "seconds": round(seconds, 1),
                  "node_cpu_s": round(_children_cpu() - cpu, 1),
                  "articles_per_s": round(self.args.articles / seconds, 1),
                  "load_before": round(load, 1),
                  "load_after": round(os.getloadavg()[0], 1),
                  "exit_codes": [p.returncode for p in procs],
                  "stderr": [err.strip()[-300:] for p, (_, err) in zip(procs, outs, strict=True)
                             if p.returncode]}
        result.update(self.check())
        return result

    def check(self) -> dict[str, object]:
        with Lake.open(team_settings(self.url, self.data, "bench-reader"),
                       read_only=True) as lake:
            states = lake.con.execute(
                "SELECT count(*), count(DISTINCT article_id) FROM article_states "
                "WHERE extractor_version = ?", [EXTRACTOR_VERSION]).fetchone()
            versions = lake.con.execute(
                "SELECT count(*), count(DISTINCT article_id) FROM article_versions").fetchone()
        with psycopg.connect(self.url) as con:
            runs = con.execute("SELECT node, outcome, exit_code FROM nv_ctl.runs "
                               "ORDER BY node").fetchall()
            units = con.execute("SELECT r.node, count(*), sum(u.items) FROM "
                                "nv_ctl.work_units u JOIN nv_ctl.runs r "
                                "ON r.run_id = u.done_run GROUP BY 1 ORDER BY 1").fetchall()
        return {"reextracted_rows_distinct": list(states or ()),
                "exactly_once": states == (self.args.articles, self.args.articles),
                "versions_rows_distinct": list(versions or ()),
                "runs": [list(r) for r in runs],
                "units_by_node": {n: [c, int(i)] for n, c, i in units}}


def _children_cpu() -> float:
    """CPU seconds (user + system) of the reextract processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--lease-ttl", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=0,
                    help="warehouse.threads of each node (0: DuckDB's default, a thread per "
                         "core; 1: one process per core)")
    ap.add_argument("--no-index", action="store_true", help="terms.index_on_crawl = false")
    args = ap.parse_args()
    report: dict[str, object] = {"cpus": os.cpu_count(), "index_on_reextract": not args.no_index,
                                  "threads": args.threads}
    pg = PgServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="nv-bench-rx-") as tmp:
            bench = Bench(pg, Path(tmp), args)
            report["build"] = bench.build()
            runs: dict[int, list[dict[str, object]]] = {1: [], args.nodes: []}
            for _ in range(args.repeats):
                for nodes in (1, args.nodes):
                    runs[nodes].append(bench.measure(nodes))
                    print(json.dumps(runs[nodes][-1]), file=sys.stderr, flush=True)
            report.update(summarise(runs, args.nodes))
    finally:
        pg.stop()
    print(json.dumps(report, ensure_ascii=False, indent=1))


def summarise(runs: dict[int, list[dict[str, object]]], nodes: int) -> dict[str, object]:
    def best(n: int) -> float:
        return max(float(r["articles_per_s"]) for r in runs[n])  # type: ignore[arg-type]

    def median(n: int) -> float:
        rates = sorted(float(r["articles_per_s"]) for r in runs[n])  # type: ignore[arg-type]
        return rates[len(rates) // 2]

    return {"one_node": runs[1], f"{nodes}_nodes": runs[nodes],
            "speedup_best": round(best(nodes) / best(1), 2),
            "speedup_median": round(median(nodes) / median(1), 2),
            "speedup_per_repeat": [round(float(b["articles_per_s"])  # type: ignore[arg-type]
                                         / float(a["articles_per_s"]), 2)  # type: ignore[arg-type]
                                   for a, b in zip(runs[1], runs[nodes], strict=True)],
            "target": 1.6}


if __name__ == "__main__":
    main()
