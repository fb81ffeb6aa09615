#!/usr/bin/env python3
"""Benchmark of issue 7: term indexing, trends and exports on a synthetic warehouse.

    .venv/bin/python scripts/bench_trends.py --articles 1000000 --workdir /tmp/nvbench

Steps (each runs as a child process; wall time, and peak RSS: the largest sum of VmRSS
over the process and its workers, sampled every 10 ms from /proc):

  generate  1M articles written by DuckDB SQL into a fresh warehouse: two sites, two
            years (Beijing time), realistic lengths (36Kr articles ~3,000 characters,
            36Kr newsflashes ~250, NetEase ~1,300; lognormal), ~4% reposts of 36Kr
            stories by 网易号 accounts, a sixth of 36Kr articles credited to WeChat
            accounts
  index     `newsvault terms`: the real indexer segments and indexes every article
  new       indexing of new articles the way the crawl does (batches of 20, one process)
  trend     `newsvault trend` of 5 terms by week; with --share; with --dedupe --share
  questions the README's ten SQL questions through `newsvault sql`
  export    `newsvault export --format csv` of every article; Parquet --partition

The text is made of real jieba dictionary words (the two-character words jieba knows,
found by asking it about every pair of the 3,755 level-1 GB2312 characters) drawn with
Zipf frequencies (exponent 1.22: an article then has as many distinct terms as real news
of its length, about 0.53 * length^0.84, measured on 539 real pages), with the
user-dictionary entities among them, and punctuation.

Prints a Markdown table (and writes it to --markdown if given) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZIPF = 1.22  # word frequency ~ rank^-ZIPF
TREND_TERMS = ["智谱", "DeepSeek", "MiniMax", "千问", "月之暗面"]
# Common words of business news (written for this script), placed at the head of the
# Zipf ranking so that the frequent terms look like news; stop-words among them.
HEAD = """我们 公司 市场 已经 发展 可以 企业 产品 技术 用户 这个 平台 数据 服务 行业 经济
投资 增长 政策 模型 芯片 汽车 手机 能源 消费 资本 融资 估值 上市 营收 利润 季度 全球 国际
中国 美国 科技 创新 研发 团队 合作 项目 业务 客户 价格 成本 规模 领域 方向 战略 管理 算力
智能 机器人 电池 新能源 半导体 应用 开发者 生态 开源 训练 推理 发布 宣布 推出 计划 目前
表示 认为 同比 环比 亿元 美元 投资人 创始人 董事长 首席 执行官 工程师 分析师 报告 显示 预计
未来 今年 去年 第三 第四 部门 地区 城市 政府 监管 标准 安全 风险 竞争 需求 供应链 订单 交付
销量 出口 制造 工厂 员工""".split()  # noqa: SIM905 (a list literal of 115 words reads worse)
ENTITIES = """智谱 MiniMax 月之暗面 DeepSeek 千问 火山引擎 摩尔线程 沐曦 壁仞 字节跳动 阶跃星辰
百川智能 零一万物 英伟达 宁德时代 科大讯飞 拼多多 理想汽车""".split()  # noqa: SIM905
ENTITY_RANKS = range(900, 900 + 260 * len(ENTITIES), 260)


def vocabulary(seed: int = 7) -> list[str]:
    """Zipf-ranked words: HEAD, the other two-character words jieba knows (shuffled),
    with ENTITIES at ranks 900-5300 (each in 0.5-4% of the articles)."""
    import rjieba

    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned codes
                chars.append(bytes([hi, lo]).decode("gb2312"))
    jieba = rjieba.Jieba()
    known = set(HEAD) | set(ENTITIES)
    rest = [a + b for a in chars for b in chars if a + b not in known and jieba.has_word(a + b)]
    random.Random(seed).shuffle(rest)
    words = HEAD + rest
    for rank, entity in zip(ENTITY_RANKS, ENTITIES, strict=False):
        words.insert(rank, entity)
    return words


GENERATE = """
INSERT INTO articles
WITH v AS (SELECT $words AS w, 1 - pow(len($words), 1 - $zipf) AS k),
base AS (
    SELECT i,
           CASE WHEN i % 10 < 2 THEN 'kr-article' WHEN i % 10 < 4 THEN 'kr-flash'
                WHEN i % 10 < 7 THEN 'ne-dy' ELSE 'ne-news' END AS kind,
           TIMESTAMPTZ '2024-12-01 00:00:00+08'  -- in storage order, as a crawl stores
               + to_seconds((i * 730 * 86400 // $total + hash(i, 1) % 7200)::BIGINT)
               AS published_at,
           sqrt(-2 * ln(greatest(random(), 1e-9))) * cos(2 * pi() * random()) AS z
    FROM range($first, $last) AS t(i)
),
sized AS (
    SELECT *, greatest(8, round(CASE kind WHEN 'kr-article' THEN exp(ln(3000) + 0.5 * z)
                                           WHEN 'kr-flash' THEN exp(ln(250) + 0.4 * z)
                                           ELSE exp(ln(1300) + 0.6 * z) END / 2.3))::INT
              AS words
    FROM base
),
texts AS (
    SELECT s.*,
           array_to_string(list_transform(range(9 + i % 7),
               x -> v.w[floor(pow(1 - random() * v.k, $inv))::INT]), '') AS title,
           array_to_string(list_transform(range(words),
               x -> v.w[floor(pow(1 - random() * v.k, $inv))::INT]
                    || CASE WHEN x % 97 = 96 THEN '。' || chr(10) WHEN x % 13 = 12 THEN '。'
                            WHEN x % 5 = 4 THEN '，' ELSE '' END), '') || '。' AS text
    FROM sized AS s, v
)
SELECT CASE WHEN kind LIKE 'kr%' THEN '36kr:' || (3000000000000000 + i)
            ELSE '163:' || upper(substr(md5(i::VARCHAR), 1, 16)) END AS article_id,
       CASE WHEN kind LIKE 'kr%' THEN '36kr' ELSE 'netease' END AS site,
       CASE WHEN kind = 'kr-flash' THEN 'newsflash' ELSE 'article' END AS kind,
       CASE kind WHEN 'kr-article' THEN 'https://www.36kr.com/p/' || (3000000000000000 + i)
                 WHEN 'kr-flash' THEN 'https://www.36kr.com/newsflashes/' || (3000000000000000 + i)
                 WHEN 'ne-dy' THEN 'https://www.163.com/dy/article/'
                                   || upper(substr(md5(i::VARCHAR), 1, 16)) || '.html'
                 ELSE 'https://www.163.com/tech/article/'
                      || upper(substr(md5(i::VARCHAR), 1, 16)) || '.html' END AS url,
       NULL AS canonical_url, title,
       text AS body,
       '作者' || (i % 97) AS author,
       CASE kind WHEN 'ne-dy' THEN '网易号' || (hash(i, 4) % 2000)
                 WHEN 'ne-news' THEN '来源' || (hash(i, 4) % 40) ELSE NULL END AS source,
       published_at, ['科技', '商业'] AS tags, NULL AS summary, 'zh' AS lang,
       NULL AS source_url, 'synthetic' AS extractor, 'bench' AS extractor_version,
       'utf-8' AS decode_rule, '{}'::JSON AS provenance, md5(title || text) AS content_hash,
       NULL AS capture_id, published_at + INTERVAL 5 MINUTE AS first_seen_at,
       published_at + INTERVAL 5 MINUTE AS fetched_at, published_at + INTERVAL 5 MINUTE
       AS updated_at, 0 AS run_id, 'ok' AS status,
       -- a reprint credited to a WeChat account, its frame kept out of the body as
       -- extraction does (pipeline/sources/kr36/pages.py)
       CASE WHEN reprint THEN 'AI观察' || (hash(i, 3) % 300) END AS original_source,
       CASE WHEN reprint THEN '作者' || (i % 97) END AS original_author
FROM (SELECT *, kind = 'kr-article' AND i % 10 = 0 AND hash(i, 2) % 3 = 0 AS reprint
      FROM texts)
"""

REPOSTS = """
-- 网易号 accounts reposting 36Kr stories a few hours later, with a line added on top.
INSERT INTO articles
SELECT '163:R' || upper(substr(md5(article_id), 1, 15)), 'netease', 'article',
       'https://www.163.com/dy/article/R' || upper(substr(md5(article_id), 1, 15)) || '.html',
       NULL, title || '（转载）', '本文转载自36氪，原作者保留权利。' || chr(10) || body, author,
       '网易号' || (hash(article_id) % 2000), published_at + INTERVAL 3 HOUR, tags, summary,
       lang, source_url, extractor, extractor_version, decode_rule, provenance,
       md5('repost' || content_hash), capture_id, first_seen_at + INTERVAL 3 HOUR,
       fetched_at + INTERVAL 3 HOUR, updated_at + INTERVAL 3 HOUR, run_id, status,
       original_source, original_author
FROM articles WHERE site = '36kr' AND kind = 'article' AND hash(article_id) % 5 = 0
LIMIT $limit
"""


def generate(path: Path, articles: int) -> dict[str, float]:
    """A fresh warehouse of about `articles` synthetic articles (up to 5% reposts)."""
    from pipeline.config.settings import WarehouseSettings
    from pipeline.store.warehouse import Warehouse

    for suffix in ("", ".wal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    words = vocabulary()
    reposts = articles // 20
    started = time.perf_counter()
    with Warehouse.open(WarehouseSettings(path=str(path), memory_limit="4GB")) as warehouse:
        con = warehouse.con
        step = 100_000
        for first in range(0, articles - reposts, step):
            last = min(first + step, articles - reposts)
            con.execute(GENERATE, {"words": words, "first": first, "last": last,
                                   "total": articles - reposts, "zipf": ZIPF,
                                   "inv": 1 / (1 - ZIPF)})
            print(f"\rgenerated {last} articles", end="", file=sys.stderr, flush=True)
        con.execute(REPOSTS, {"limit": reposts})
        con.execute("CHECKPOINT")
        total, chars = con.execute("SELECT count(*), sum(length(body)) FROM articles").fetchone()
    print(file=sys.stderr)
    return {"seconds": time.perf_counter() - started, "articles": total,
            "mean_chars": chars / total, "bytes": path.stat().st_size}


def timed(argv: list[str], repeat: int = 1) -> tuple[float, float, str]:
    """Best wall time of `repeat` runs, and the largest peak RSS of the runs."""
    runs = [run_measured(argv) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def load() -> str:
    """The 1-minute load average when a step starts (the machine has 2 cores; anything
    above the step's own processes is another program competing for them)."""
    return f"{os.getloadavg()[0]:.1f}"


def run_measured(argv: list[str]) -> tuple[float, float, str]:
    """Run a command: (wall seconds, peak RSS in MiB, stdout).

    The peak is the largest sum of VmRSS over the process and its descendants (the
    indexer's workers), sampled every 10 ms from /proc.  (ru_maxrss is no use here: a
    child inherits its parent's high-water mark across fork and exec.)
    """
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in _tree(proc.pid)))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{shlex.join(argv[:4])}... failed with exit {proc.returncode}")
    return seconds, peak[0] / 1024, out.decode()


def _tree(pid: int) -> list[int]:
    found, i = [pid], 0
    while i < len(found):
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{found[i]}/task"):
                with open(f"/proc/{found[i]}/task/{task}/children") as fh:
                    found.extend(int(c) for c in fh.read().split())
        i += 1
    return found


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def new_articles_code(path: Path, count: int, batch: int = 20) -> str:
    """Python that stores `count` new articles (copies of the latest under new ids, so
    never indexed) and indexes them in crawl-sized batches, as the crawl hook does; it
    prints articles per second."""
    return f"""
import time
from pipeline.config import settings as S
from pipeline.index.segment import Segmenter
from pipeline.index.terms import index_articles
from pipeline.store.warehouse import Warehouse
s = S.load([], {{'warehouse.path': {str(path)!r}}}, environ={{}})
seg = Segmenter.from_settings(s.terms)
with Warehouse.open(s.warehouse) as wh:
    run = int(time.time())
    wh.con.execute("SET memory_limit = '2GB'")  # copying 2,000 bodies in order needs it
    ids = [r[0] for r in wh.con.execute(
        f"INSERT INTO articles SELECT * REPLACE ('new{{run}}:' || article_id AS article_id, "
        f"md5(content_hash || '{{run}}') AS content_hash) FROM articles "
        f"WHERE article_id NOT LIKE 'new%' ORDER BY published_at DESC LIMIT {count} "
        "RETURNING article_id").fetchall()]
    wh.con.execute(f"SET memory_limit = '{{s.warehouse.memory_limit}}'")  # as the crawl's
    started = time.perf_counter()
    for k in range(0, len(ids), {batch}):
        index_articles(wh, seg, ids[k:k + {batch}])
    print(len(ids) / (time.perf_counter() - started))
"""


WIPE = """
import duckdb
con = duckdb.connect({path!r})
for table in ("term_rows", "term_docs", "term_days", "term_ids", "term_recount"):
    con.execute(f"DELETE FROM {{table}}")
con.execute("CHECKPOINT")
"""


def duckdb_count(path: Path, table: str) -> int:
    out = subprocess.run([sys.executable, "-c", f"import duckdb; print(duckdb.connect("
                          f"{str(path)!r}, read_only=True).sql('SELECT count(*) FROM {table}')"
                          ".fetchone()[0])"], capture_output=True, text=True, check=True)
    return int(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nvbench"))
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing generated and indexed warehouse")
    parser.add_argument("--reindex", action="store_true",
                        help="with --reuse: empty the term index and index everything again")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / "bench.duckdb"
    nv = [sys.executable, "-m", "pipeline", "--warehouse", str(db), "--config",
          str(ROOT / "configs")]
    rows: list[tuple[str, ...]] = []

    def step(label: str, argv: list[str], repeat: int = 1) -> tuple[float, str]:
        started_load = load()
        seconds, rss, out = timed(argv, repeat)
        rows.append((label, f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s", "",
                     f"{rss:,.0f} MiB", started_load))
        return seconds, out

    def result(text: str) -> None:
        rows[-1] = (*rows[-1][:2], text, *rows[-1][3:])

    if args.generate_only:
        print(json.dumps(generate(db, args.articles)))
        return 0
    if not (args.reuse and db.exists()):
        _, out = step("generate (DuckDB SQL)", [sys.executable, __file__, "--generate-only",
                                                "--articles", str(args.articles),
                                                "--workdir", str(args.workdir)])
        info = json.loads(out.splitlines()[-1])
        result(f"{info['articles']:,} articles, mean {info['mean_chars']:.0f} characters, "
               f"{info['bytes'] / 2**30:.1f} GiB")
        seconds, _ = step("index all: `newsvault terms`", [*nv, "-q", "terms"])
        result(f"{info['articles'] / seconds:,.0f} articles/s (2 worker processes)")
    if args.reuse and args.reindex:
        subprocess.run([sys.executable, "-c", WIPE.format(path=str(db))], check=True)
        seconds, _ = step("index all: `newsvault terms`", [*nv, "-q", "terms"])
        count = duckdb_count(db, "term_docs")
        result(f"{count / seconds:,.0f} articles/s ({count:,} articles, 2 worker processes)")
    _, out = step("index new articles, crawl batches of 20",
                  [sys.executable, "-c", new_articles_code(db, 2000)])
    result(f"{float(out.split()[-1]):,.0f} articles/s (one process)")
    for label, extra in (("trend 5 terms by week", []), ("trend … --share", ["--share"]),
                         ("trend … --dedupe --share", ["--dedupe", "--share"])):
        _, out = step(label, [*nv, "trend", *TREND_TERMS, "--by", "week", "--csv", *extra],
                      repeat=5)
        result(f"{len(out.splitlines()) - 1} rows; whole command, start-up included; best "
               "of 5")
    readme = (ROOT / "README.md").read_text("utf-8").split("### Ten questions", 1)[1]
    for title, query in re.findall(r"#### (\d+)\. [^\n]+\n.*?```sql\n(.*?)```",
                                   readme.split("\n## ", 1)[0], re.S):
        _, out = step(f"README question {title}", [*nv, "sql", query, "--csv"], repeat=3)
        result(f"{len(out.splitlines()) - 1} rows; best of 3")
    out_csv = args.workdir / "all.csv"
    step("export CSV, every article", [*nv, "export", "--format", "csv", "--out", str(out_csv)])
    result(f"{out_csv.stat().st_size / 2**30:.1f} GiB")
    out_pq = args.workdir / "all_parquet"
    step("export Parquet --partition (site, month)",
         [*nv, "export", "--format", "parquet", "--partition", "--out", str(out_pq)])
    files = list(out_pq.rglob("*.parquet"))
    result(f"{sum(f.stat().st_size for f in files) / 2**30:.1f} GiB in {len(files)} files")
    table = ["| step | time | result | peak RSS | load |", "|---|---|---|---|---|",
             *(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows)]
    print("\n".join(table))
    if args.markdown:
        args.markdown.write_text("\n".join(table) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
