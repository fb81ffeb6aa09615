"""Write throughput of team mode's lake against the DuckDB file, and several nodes at once.

    python scripts/bench_lake.py [--batches 30] [--size 50] [--writers 2]

Synthetic batches shaped like the crawl's (a capture and an article of ~3,000 Chinese
characters per page, `--size` pages per batch) are written with `write_archive`:

1. into a DuckDB file (pipeline.store.warehouse.Warehouse), the anchor;
2. into the lake (pipeline.store.team.lake.Lake) on a local PostgreSQL (pgserver, the
   tests' fixture) from one process;
3. into the lake from `--writers` processes at once, each its own node: total pages per
   second, whole-batch retries, and whether every batch landed exactly once;
4. `newsvault maintain` on the result (files before -> after, seconds).

Only the store's write path is measured (no fetching, extracting or term index).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import settings as settings_mod  # noqa: E402
from pipeline.core.records import Article, Fetched  # noqa: E402
from pipeline.store.records import Batch, CaptureRow  # noqa: E402

WORDS = "市场 用户 产品 技术 数据 平台 服务 行业 经济 投资 增长 政策 芯片 汽车 能源 资本 估值 上市"
WORDS_LIST = WORDS.split()


def make_batch(run_id: int, first: int, size: int) -> Batch:
    rng = random.Random(first)
    batch = Batch()
    for n in range(first, first + size):
        body = "\n".join("，".join(rng.choices(WORDS_LIST, k=60)) + "。" for _ in range(12))
        url = f"https://www.163.com/dy/article/B{n:010d}.html"
        fetched = Fetched(url=url, status=200, body=body.encode())
        capture_id = run_id * 1_000_000 + n % 1_000_000
        batch.captures.append(CaptureRow.of(capture_id, run_id, "netease", fetched,
                                            warc_file="bench.warc.gz", warc_offset=n,
                                            warc_length=1000, record_type="response"))
        article = Article(url=url, article_id=f"163:B{n:010d}", site="netease",
                          title=f"标题{n}", body=body, source="网易科技",
                          published_at="2026-11-30T08:00:00+08:00", tags=["科技"])
        batch.articles.append((article, capture_id, fetched.fetched_at))
    return batch


def file_rate(folder: Path, batches: int, size: int) -> float:
    from pipeline.config.settings import WarehouseSettings
    from pipeline.store.warehouse import Warehouse

    work = [make_batch(1, b * size, size) for b in range(batches)]
    with Warehouse.open(WarehouseSettings(path=str(folder / "news.duckdb"))) as warehouse:
        start = time.perf_counter()
        for batch in work:
            warehouse.write_archive(batch, 1)
        return batches * size / (time.perf_counter() - start)


def lake_writer(url: str, shared: str, node: str, run_id: int, batches: int, size: int,
                out: multiprocessing.Queue) -> None:
    from pipeline.store.team.lake import Lake

    settings = settings_mod.load([], {"warehouse.path": url, "warehouse.data_path": shared,
                                      "team.node": node}, environ={})
    work = [make_batch(run_id, run_id * 100_000 + b * size, size) for b in range(batches)]
    with Lake.open(settings) as lake:
        start = time.perf_counter()
        for batch in work:
            lake.write_archive(batch, run_id)
        out.put((node, time.perf_counter() - start, lake.retries))


def lake_run(url: str, shared: str, writers: int, batches: int, size: int
             ) -> tuple[float, int, float]:
    """(total pages/s, whole-batch retries, seconds) of `writers` processes at once."""
    from pipeline.store.team.lake import Lake

    settings = settings_mod.load([], {"warehouse.path": url, "warehouse.data_path": shared,
                                      "team.node": "setup"}, environ={})
    Lake.open(settings).close()  # created before the clock starts
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=lake_writer, args=(
        url, shared, f"node{w}", 10 + w + writers * 10, batches, size, queue))
        for w in range(writers)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=900) for _ in procs]
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - start
    return writers * batches * size / wall, sum(r[2] for r in results), wall


def check(url: str, shared: str, expected: int) -> str:
    from pipeline.store.team.lake import Lake

    settings = settings_mod.load([], {"warehouse.path": url, "warehouse.data_path": shared,
                                      "team.node": "check"}, environ={})
    with Lake.open(settings, read_only=True) as lake:
        captures, distinct = lake.con.execute(
            "SELECT count(*), count(DISTINCT capture_id) FROM captures").fetchone()
        articles = lake.con.execute("SELECT count(*) FROM articles").fetchone()[0]
    ok = captures == distinct == articles == expected
    return f"captures {captures} (distinct {distinct}), articles {articles}: " + (
        "every batch exactly once" if ok else f"EXPECTED {expected}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    from pipeline.store.maintain import maintain
    from tests.pg import PgServer

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        anchor = file_rate(folder, args.batches, args.size)
        print(f"DuckDB file, 1 writer:     {anchor:7.1f} pages/s (anchor)")
        server = PgServer().start()
        try:
            for writers in (1, args.writers):
                _, url = server.new_database()
                shared = str(folder / f"shared{writers}")
                rate, retries, wall = lake_run(url, shared, writers, args.batches, args.size)
                print(f"lake, {writers} writer(s):       {rate:7.1f} pages/s "
                      f"({rate / anchor:.2f}x the file; {wall:.1f} s; {retries} batch "
                      f"retries); {check(url, shared, writers * args.batches * args.size)}")
            settings = settings_mod.load([], {"warehouse.path": url, "warehouse.data_path":
                                              shared, "team.node": "maint"}, environ={})
            start = time.perf_counter()
            report = maintain(settings, older_than=0)
            print(f"maintain: {report.line()} ({time.perf_counter() - start:.1f} s with "
                  "attach)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
