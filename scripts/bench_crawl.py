"""Load benchmark of the crawl: throughput, memory and politeness, on the local server.

    python scripts/bench_crawl.py [--pages 20000] [--slow-pages 300] [--rate 10]

Three measurements, each against tests/server.py playing a synthetic NetEase site
(generated text, real template structure) and reached through --connect-to:

1. throughput and memory: one crawl of --pages article pages (JSONP lists of 500 items);
   pages per second, and the crawl process's resident memory sampled every 0.2 s
   (peak, and at each quarter of the run, to show it stays flat);
2. politeness: --slow-pages pages whose responses each take 500 ms, with
   fetch.min_interval = 1/--rate; the achieved request rate as a share of the configured
   one (the crawl should use the rate it is allowed, no more);
3. storage: bytes archived per article (WARC on disk, and raw payload), for the
   synthetic pages and, when ../shared/bench is present, for its real 36Kr/NetEase pages
   served the same way (read from the archive at run time, never copied).

Prints one block of numbers per measurement; docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from tests.fakesites import CHANNELS, FakeNetEase  # noqa: E402
from tests.server import Reply, TestServer  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench" / "data" / "sites_dev.tar.xz"


def config(folder: Path, origin: str, **fetch: object) -> Path:
    lines = ["[fetch]", f'connect_to = ["*={origin}"]', "retries = 1", "backoff_base = 0.01"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in fetch.items()]
    lines += ["[crawl]", "batch_size = 50",
              "[sites.36kr]", "enabled = false",
              "[[sites.netease.lists]]", 'name = "tech"', 'kind = "jsonp"',
              f'url = "https://{CHANNELS["tech"][0]}{CHANNELS["tech"][1]}"', "max_pages = 100"]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_crawl(folder: Path, cfg: Path) -> tuple[float, list[tuple[float, int]], str]:
    """Run `newsvault crawl` as a process; returns seconds, RSS samples (t, kB), summary."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(cfg),
                             "--warehouse", str(folder / "news.duckdb"), "crawl", "-q"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, int]] = []

    def sample() -> None:
        while proc.poll() is None:
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        samples.append((time.perf_counter() - start, int(line.split()[1])))
            except OSError:
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    watcher.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({proc.returncode}): {err}")
    return time.perf_counter() - start, samples, out.strip()


def storage(folder: Path) -> dict[str, float]:
    con = duckdb.connect(str(folder / "news.duckdb"), read_only=True)
    articles, raw = con.execute(
        "SELECT (SELECT count(*) FROM articles), sum(body_size) FILTER "
        "(WHERE record_type = 'response' AND purpose = 'article') FROM captures").fetchone()
    con.close()
    disk = sum(p.stat().st_size for p in (folder / "warc").glob("*.warc.gz"))
    return {"articles": articles, "warc_bytes": disk,
            "warc_bytes_per_article": round(disk / max(articles, 1)),
            "raw_article_bytes_per_article": round((raw or 0) / max(articles, 1))}


def throughput(pages: int) -> dict[str, object]:
    server = TestServer().start()
    site = FakeNetEase(per_page=500, max_pages=100)
    site.install(server)
    site.publish("tech", pages)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cfg = config(folder, server.origin, min_interval=0.0, concurrency_per_host=8)
        seconds, samples, summary = run_crawl(folder, cfg)
        stored = storage(folder)
    server.stop()
    peak = max(kb for _, kb in samples) if samples else 0
    quarters = [max((kb for t, kb in samples if t <= seconds * q / 4), default=0)
                for q in (1, 2, 3, 4)]
    return {"pages": pages, "seconds": round(seconds, 1),
            "pages_per_s": round(stored["articles"] / seconds, 1),
            "peak_rss_mb": round(peak / 1024, 1),
            "rss_mb_by_quarter": [round(kb / 1024, 1) for kb in quarters],
            "storage": stored, "summary": summary}


def politeness(pages: int, rate: float) -> dict[str, object]:
    server = TestServer().start()
    site = FakeNetEase(per_page=500, max_pages=100)
    site.install(server)
    for story in site.publish("tech", pages):
        reply = site.article_reply(story)
        reply.mode, reply.delay = "slow", 0.5
        server.route("www.163.com", f"/tech/article/{story.id}.html", reply)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cfg = config(folder, server.origin, min_interval=round(1 / rate, 4),
                     concurrency_per_host=8)
        run_crawl(folder, cfg)
    starts = sorted(s.at for s in server.seen if "/article/" in s.path)
    server.stop()
    achieved = (len(starts) - 1) / (starts[-1] - starts[0])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    return {"pages": len(starts), "response_ms": 500, "configured_per_s": rate,
            "achieved_per_s": round(achieved, 2),
            "share_of_configured": f"{achieved / rate:.1%}",
            "median_gap_ms": round(sorted(gaps)[len(gaps) // 2] * 1000, 1)}


def real_pages() -> dict[str, object] | None:
    """Archive size per article for the bench's real NetEase/36Kr pages, if present."""
    if not BENCH.exists():
        return None
    with tarfile.open(BENCH) as tar:
        pages = {Path(m.name).stem: tar.extractfile(m).read()  # type: ignore[union-attr]
                 for m in tar.getmembers() if m.name.endswith(".html") and "/pages/" in m.name}
    server = TestServer().start()
    rows = []
    for n, (name, body) in enumerate(sorted(pages.items())):
        docid = f"R{n:07d}00097U7R"
        path = f"/tech/article/{docid}.html"
        server.route("www.163.com", path, Reply(200, body, content_type="text/html"))
        rows.append(json.dumps({"title": name, "docurl": f"https://www.163.com{path}",
                                "time": "11/20/2026 08:00:00", "newstype": "article"}))
    host, list_path, _, _, _ = CHANNELS["tech"]
    server.route(host, list_path, Reply(200, "data_callback([" + ",".join(rows) + "])",
                                        content_type="application/javascript"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_crawl(folder, config(folder, server.origin, min_interval=0.0))
        stored = storage(folder)
    server.stop()
    return {"pages": len(pages), **stored}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--slow-pages", type=int, default=300)
    ap.add_argument("--rate", type=float, default=10.0, help="configured requests/s per host")
    args = ap.parse_args()
    report = {"throughput": throughput(args.pages),
              "politeness": politeness(args.slow_pages, args.rate),
              "real_pages_storage": real_pages()}
    out = io.StringIO()
    json.dump(report, out, ensure_ascii=False, indent=1)
    print(out.getvalue())


if __name__ == "__main__":
    main()
