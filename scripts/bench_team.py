"""Benchmark of team mode (issue 16 "Targets"): PostgreSQL control state + DuckLake archive.

    python scripts/bench_team.py [--articles 2000] [--delay 0.03] [--repeats 2]
                                 [--parts a,b,c,d] [--lease-ttl 10]

Starts its own PostgreSQL (pgserver, as tests/pg.py does: a holder process that stops
the server when this script ends) and the demo's fake NetEase site (pipeline.demo,
tests/server.py) with --articles stories on JSONP lists of 500, each article answering
after --delay seconds; the server counts every article fetch. Each part gets a fresh
database and shared data path:

a. three nodes: `newsvault crawl` processes with --node n1/n2/n3 at once, and a reader
   (`newsvault sql`) every few seconds while they run. Article fetches counted by the
   server vs articles, duplicate keys in every table (PostgreSQL and lake), each
   process's exit code against its `runs` row, reader errors;
b. one node on team mode vs the DuckDB file, the same crawl, interleaved --repeats
   times: articles/s and the ratio (target >= 0.8x);
c. `newsvault reextract --all` over the archive of (a): one node, then two nodes at
   once (target >= 1.6x); the two share the articles in leased work units (each does
   about half): the rate reported is distinct articles per wall second
   (scripts/bench_reextract_team.py measures this on 20,000 articles);
d. kill -9 of one of two crawling nodes while it holds leases: when its run is seen
   interrupted and when the other node has finished its leased items (seconds after the
   kill, vs --lease-ttl; polled every 0.1 s), fetches, and whether anything is missing
   or doubled.

Prints one JSON block; docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from pipeline.store.team.lake import Lake  # noqa: E402
from tests.fakesites import CHANNELS, FakeNetEase  # noqa: E402
from tests.lake import team_settings  # noqa: E402
from tests.pg import PgServer  # noqa: E402
from tests.server import TestServer  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LAKE_KEYS = {  # table: key expressions that must be unique
    "captures": ["capture_id", "CASE WHEN purpose = 'article' THEN url END"],
    "article_states": ["article_id"],
    "articles": ["article_id"],
    "lake_batches": ["batch_id"],
    "term_docs": ["doc", "article_id"],
    "term_rows": ["doc || ':' || term_id"],
}
PG_KEYS = {"nv_ctl.frontier": ["article_id"], "nv_ctl.runs": ["run_id"],
           "nv_ctl.list_items": ["site || list_name || article_id"],
           "nv_ctl.term_ids": ["term", "term_id"], "nv_ctl.term_docs": ["article_id", "doc"]}


class Site:
    """The fake NetEase site on a local server, articles answering after `delay`."""

    def __init__(self, articles: int, delay: float) -> None:
        self.articles, self.delay = articles, delay
        self.server: TestServer | None = None

    def __enter__(self) -> Site:
        self.server = TestServer().start()
        site = FakeNetEase(per_page=500, max_pages=100)
        site.install(self.server)
        site.publish("tech", self.articles)

        def wait(seen):  # a fallback that only waits: the site's own answers follow
            if "/article/" in seen.path:
                time.sleep(self.delay)
        self.server.fallbacks.insert(0, wait)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.stop()

    def fetches(self) -> Counter[str]:
        assert self.server is not None
        return Counter(s.path for s in self.server.requests("www.163.com")
                       if "/article/" in s.path)


def write_config(folder: Path, origin: str, lease_ttl: float) -> Path:
    lines = ["[fetch]", f'connect_to = ["*={origin}"]', "retries = 1", "backoff_base = 0.01",
             "min_interval = 0.0", "concurrency_per_host = 8",
             "[crawl]", "batch_size = 50",
             "[team]", f"lease_ttl = {lease_ttl}", f"heartbeat = {max(lease_ttl / 10, 0.5)}",
             "[sites.36kr]", "enabled = false",
             "[[sites.netease.lists]]", 'name = "tech"', 'kind = "jsonp"',
             f'url = "https://{CHANNELS["tech"][0]}{CHANNELS["tech"][1]}"', "max_pages = 100"]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Team:
    """One team database and data path; `newsvault` processes on it."""

    def __init__(self, pg: PgServer, folder: Path, cfg: Path) -> None:
        self.name, self.url = pg.new_database()
        self.pg, self.folder, self.cfg = pg, folder, cfg
        self.data = folder / "shared"
        self.env = {**ENV, "NEWSVAULT_DATA_PATH": str(self.data)}

    def start(self, node: str, *command: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--config", str(self.cfg), "--warehouse",
             self.url, "--node", node, *command], cwd=self.folder, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def crawl(self, node: str) -> subprocess.Popen[str]:
        return self.start(node, "crawl", "--site", "netease", "-q")

    def pg_rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with psycopg.connect(self.url) as con:
            return con.execute(sql, params or []).fetchall()

    def lake_rows(self, sql: str) -> list[tuple]:
        settings = team_settings(self.url, self.data, "bench-reader")
        with Lake.open(settings, read_only=True) as lake:
            return lake.con.execute(sql).fetchall()

    def duplicates(self) -> dict[str, int]:
        """Per table and key: how many key values occur more than once."""
        found: dict[str, int] = {}
        for tables, rows in ((LAKE_KEYS, self.lake_rows), (PG_KEYS, self.pg_rows)):
            for table, keys in tables.items():
                for key in keys:
                    (n,) = rows(f"SELECT count(*) FROM (SELECT {key} AS k FROM {table} WHERE "
                                f"{key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1) d")[0]
                    found[f"{table}({key})"] = n
        return found

    def has_lake(self) -> bool:
        return self.pg_rows("SELECT to_regclass('public.ducklake_snapshot') IS NOT NULL")[0][0]

    def drop(self) -> None:
        self.pg.drop_database(self.name)


def finish(proc: subprocess.Popen[str], timeout: float = 3600) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.strip(), err.strip()[-300:]


class Reader(threading.Thread):
    """`newsvault sql` every `every` seconds until stopped: exit codes, counts, wall times."""

    QUERY = "SELECT count(*), count(DISTINCT article_id) FROM articles"

    def __init__(self, team: Team, every: float = 3.0) -> None:
        super().__init__(daemon=True)
        self.team, self.every = team, every
        self.stop = threading.Event()
        self.calls: list[tuple[int, str, float]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            proc = self.team.start("reader", "sql", self.QUERY, "--csv")
            code, out, err = finish(proc, 120)
            self.calls.append((code, out.splitlines()[-1] if out else err,
                               time.perf_counter() - start))
            self.stop.wait(self.every)

    def report(self) -> dict[str, object]:
        errors = [c for c in self.calls if c[0] != 0]
        counts = [tuple(c[1].split(",")) for c in self.calls if c[0] == 0]
        return {"calls": len(self.calls), "errors": len(errors),
                "error_lines": [e[1][:160] for e in errors[:3]],
                "count_equals_distinct": all(len(c) == 2 and c[0] == c[1] for c in counts),
                "counts_seen": [c[0] for c in counts][:: max(len(counts) // 8, 1)],
                "max_wall_s": round(max((c[2] for c in self.calls), default=0), 2)}


def runs_true(team: Team, codes: dict[str, int]) -> dict[str, object]:
    rows = team.pg_rows("SELECT node, outcome, exit_code FROM nv_ctl.runs "
                        "WHERE command = 'crawl' ORDER BY run_id")
    true = all((outcome == "ok") == (codes.get(node) == 0) and exit_code == codes.get(node)
               for node, outcome, exit_code in rows)
    return {"runs": [list(r) for r in rows], "every_runs_row_true": true}


def part_a(pg: PgServer, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    with Site(args.articles, args.delay) as site:
        assert site.server is not None
        folder = tmp / "a"
        folder.mkdir()
        team = Team(pg, folder, write_config(folder, site.server.origin, args.lease_ttl))
        start = time.perf_counter()
        procs = {node: team.crawl(node) for node in ("n1", "n2", "n3")}
        while not team.has_lake() and time.perf_counter() - start < 120:
            time.sleep(0.2)
        reader = Reader(team)
        reader.start()
        outs = {node: finish(p) for node, p in procs.items()}
        seconds = time.perf_counter() - start
        reader.stop.set()
        reader.join()
        fetches = site.fetches()
    (articles,) = team.lake_rows("SELECT count(DISTINCT article_id) FROM articles")[0]
    shares = team.pg_rows("SELECT r.node, s.fetched FROM nv_ctl.run_sites s JOIN "
                          "nv_ctl.runs r USING (run_id) ORDER BY r.node")
    return {"articles_published": args.articles, "articles_stored": articles,
            "article_fetches": sum(fetches.values()), "distinct_fetched": len(fetches),
            "fetched_more_than_once": sum(1 for n in fetches.values() if n > 1),
            "seconds": round(seconds, 1), "articles_per_s": round(articles / seconds, 1),
            "exit_codes": {n: o[0] for n, o in outs.items()},
            "stderr": {n: o[2] for n, o in outs.items() if o[0]},
            "fetched_by_node": {n: f for n, f in shares},
            **runs_true(team, {n: o[0] for n, o in outs.items()}),
            "duplicates": team.duplicates(), "reader": reader.report(), "team": team}


def crawl_once(pg: PgServer | None, args: argparse.Namespace, folder: Path) -> float:
    """One crawl on a fresh archive (team mode with `pg`, else a DuckDB file): art/s."""
    folder.mkdir()
    with Site(args.articles, args.delay) as site:
        assert site.server is not None
        cfg = write_config(folder, site.server.origin, args.lease_ttl)
        team = Team(pg, folder, cfg) if pg else None
        start = time.perf_counter()
        if team:
            proc = team.crawl("solo")
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "--config", str(cfg), "--warehouse",
                 str(folder / "news.duckdb"), "crawl", "--site", "netease", "-q"],
                cwd=folder, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        code, _, err = finish(proc)
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"crawl failed ({code}): {err}")
        stored = len(site.fetches())
    if team:
        team.drop()
    return stored / seconds


def part_b(pg: PgServer, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    file_rates, team_rates = [], []
    for i in range(args.repeats):
        file_rates.append(crawl_once(None, args, tmp / f"b-file-{i}"))
        team_rates.append(crawl_once(pg, args, tmp / f"b-team-{i}"))
    best_file, best_team = max(file_rates), max(team_rates)
    return {"file_articles_per_s": [round(r, 1) for r in file_rates],
            "team_articles_per_s": [round(r, 1) for r in team_rates],
            "ratio_best": round(best_team / best_file, 2),
            "ratio_median": round(sorted(team_rates)[len(team_rates) // 2]
                                  / sorted(file_rates)[len(file_rates) // 2], 2),
            "target": 0.8}


def reextract_nodes(team: Team, nodes: list[str]) -> dict[str, object]:
    start = time.perf_counter()
    procs = [team.start(n, "reextract", "--all", "-q") for n in nodes]
    outs = [finish(p) for p in procs]
    seconds = time.perf_counter() - start
    (articles,) = team.lake_rows("SELECT count(*) FROM articles")[0]
    return {"nodes": len(nodes), "seconds": round(seconds, 1),
            "exit_codes": [o[0] for o in outs], "summaries": [o[1][-200:] for o in outs],
            "articles": articles, "articles_per_s": round(articles / seconds, 1)}


def part_c(team: Team) -> dict[str, object]:
    one = reextract_nodes(team, ["r1"])
    two = reextract_nodes(team, ["r1", "r2"])
    (states,) = team.lake_rows("SELECT count(*) FROM article_states")[0]
    return {"one_node": one, "two_nodes": two, "target": 1.6,
            "speedup": round(two["articles_per_s"] / one["articles_per_s"], 2),  # type: ignore[operator]
            "article_states_rows_after": states}


def leases_of(team: Team, node: str) -> int:
    if not team.pg_rows("SELECT to_regclass('nv_ctl.frontier') IS NOT NULL")[0][0]:
        return 0
    return team.pg_rows("SELECT count(*) FROM nv_ctl.frontier f JOIN nv_ctl.runs r "
                        "ON f.lease_run = r.run_id WHERE r.node = %s AND f.state = 'leased'",
                        [node])[0][0]


def victim_leases(team: Team, victim: subprocess.Popen[str], after: int) -> list[str]:
    """Once `after` items are done, the items node n1 holds leases on, while unclaimed
    items are left (so the other node is still at work when n1 dies)."""
    while victim.poll() is None:
        if team.has_lake() and team.pg_rows(
                "SELECT count(*) FILTER (WHERE state = 'done') >= %s AND count(*) FILTER "
                "(WHERE state = 'pending') > 0 FROM nv_ctl.frontier", [after])[0][0]:
            held = team.pg_rows(
                "SELECT array_agg(article_id) FROM nv_ctl.frontier f JOIN nv_ctl.runs r ON "
                "f.lease_run = r.run_id WHERE r.node = 'n1' AND f.state = 'leased'")[0][0]
            if held:
                return held
        time.sleep(0.05)
    raise SystemExit("part d: node n1 ended before it was killed; use more --articles")


def part_d(pg: PgServer, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    folder = tmp / "d"
    folder.mkdir()
    with Site(args.articles, args.delay) as site:
        assert site.server is not None
        team = Team(pg, folder, write_config(folder, site.server.origin, args.lease_ttl))
        victim, survivor = team.crawl("n1"), team.crawl("n2")
        held = victim_leases(team, victim, args.articles // 4)
        victim.kill()
        killed_at = time.perf_counter()
        finish(victim)
        done_at = seen_dead = None
        while survivor.poll() is None and done_at is None:
            left, dead = team.pg_rows(
                "SELECT (SELECT count(*) FROM nv_ctl.frontier WHERE article_id = ANY(%s) AND "
                "state <> 'done'), (SELECT bool_or(outcome = 'interrupted') FROM "
                "nv_ctl.runs WHERE node = 'n1')", [held])[0]
            seen_dead = seen_dead or (time.perf_counter() if dead else None)
            done_at = time.perf_counter() if left == 0 else None
            time.sleep(0.1)
        code, _, err = finish(survivor)
        done_at = done_at or time.perf_counter()
        fetches = site.fetches()
    (rows, distinct) = team.lake_rows("SELECT count(*), count(DISTINCT article_id) "
                                      "FROM articles")[0]
    states = dict(team.pg_rows("SELECT state, count(*) FROM nv_ctl.frontier GROUP BY 1"))
    result = {"leased_by_killed_node": len(held), "lease_ttl_s": args.lease_ttl,
              "seconds_kill_to_its_leases_done": round(done_at - killed_at, 1),
              "seconds_kill_to_run_interrupted": round(seen_dead - killed_at, 1)
              if seen_dead else None,
              "survivor_exit": code, "survivor_stderr": err if code else "",
              "articles_rows": rows, "articles_distinct": distinct,
              "missing": args.articles - distinct, "frontier_states": states,
              "article_fetches": sum(fetches.values()),
              "fetched_twice": sum(1 for n in fetches.values() if n > 1),
              "duplicates": {k: v for k, v in team.duplicates().items()
                             if v and not k.startswith(("captures(CASE", "article_states"))}}
    team.drop()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--delay", type=float, default=0.03, help="seconds per article response")
    ap.add_argument("--repeats", type=int, default=2, help="interleaved runs in part b")
    ap.add_argument("--lease-ttl", type=float, default=10.0)
    ap.add_argument("--parts", default="a,b,c,d")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    report: dict[str, object] = {"articles": args.articles, "delay_s": args.delay,
                                 "cpus": os.cpu_count()}
    pg = PgServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="nv-bench-team-") as tmp:
            report.update(run_parts(pg, args, Path(tmp), parts))
    finally:
        pg.stop()
    print(json.dumps(report, ensure_ascii=False, indent=1))


def run_parts(pg: PgServer, args: argparse.Namespace, tmp: Path, parts: set[str]
              ) -> dict[str, object]:
    out: dict[str, object] = {}
    if "a" in parts or "c" in parts:
        a = part_a(pg, args, tmp)
        team = a.pop("team")
        out["a_three_nodes"] = a
        print(json.dumps({"a": a}, ensure_ascii=False), file=sys.stderr, flush=True)
        if "c" in parts:
            out["c_reextract"] = part_c(team)  # type: ignore[arg-type]
            print(json.dumps({"c": out["c_reextract"]}), file=sys.stderr, flush=True)
    if "b" in parts:
        out["b_one_node_vs_file"] = part_b(pg, args, tmp)
        print(json.dumps({"b": out["b_one_node_vs_file"]}), file=sys.stderr, flush=True)
    if "d" in parts:
        out["d_kill_9"] = part_d(pg, args, tmp)
    return out


if __name__ == "__main__":
    main()
