#!/usr/bin/env python3
"""Benchmark of issue 12 point 7: `newsvault export` of every article, per format.

    .venv/bin/python scripts/bench_export.py --workdir /tmp/nvexport
    .venv/bin/python scripts/bench_export.py --workdir /tmp/nvexport --code /tmp/anchor

The warehouse is `<workdir>/bench.duckdb`, made by scripts/bench_trends.py's generator
(about a million synthetic articles, 7 GiB) when it is missing, and reused after.  Each
format runs as a child process `python -m pipeline export ... --format F` and prints its
wall time and peak RSS (the largest VmRSS sum over the process and its children,
sampled every 10 ms from /proc, as bench_trends.py measures).  `--code DIR` runs another
checkout's code instead (DIR holds its `pipeline` package, with `pipeline/sql` a copy of
its `warehouse/` folder): the anchor measured in the same session.  Outputs are written
in the workdir and removed after each step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_trends import load, run_measured  # noqa: E402

FORMATS = {"csv": ["--format", "csv"], "parquet": ["--format", "parquet"],
           "jsonl": ["--format", "jsonl"], "partition": ["--format", "parquet", "--partition"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nvexport"))
    parser.add_argument("--articles", type=int, default=1_000_000,
                        help="articles to generate when the warehouse is missing")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated, of {', '.join(FORMATS)}")
    parser.add_argument("--code", type=Path, help="run this checkout's pipeline package")
    parser.add_argument("--label", default="", help="a label for the table's rows")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / "bench.duckdb"
    if not db.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_trends.py"),
                        "--generate-only", "--articles", str(args.articles),
                        "--workdir", str(args.workdir)], check=True)
    env = os.environ.copy()
    if args.code:
        env["PYTHONPATH"] = str(args.code.resolve())
    os.environ.update(env)  # run_measured's children inherit it
    cwd = os.getcwd()
    os.chdir("/")  # `python -m pipeline` must not find the worktree's package by accident
    label = args.label or ("anchor" if args.code else "this checkout")
    rows = []
    try:
        for name in args.formats.split(","):
            out = args.workdir / f"out-{name}"
            _remove(out)
            argv = [sys.executable, "-m", "pipeline", "--warehouse", str(db), "export",
                    *FORMATS[name], "--out", str(out)]
            started_load = load()
            seconds, rss, stdout = run_measured(argv)
            size = (sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
                    if out.is_dir() else out.stat().st_size)
            rows.append((label, name, f"{seconds:.1f} s", f"{rss:,.0f} MiB",
                         f"{size / 2**30:.2f} GiB", started_load, stdout.strip()))
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            _remove(out)
    finally:
        os.chdir(cwd)
    print("| code | format | time | peak RSS | output | load | says |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def _remove(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
    Path(f"{out}.manifest.json").unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
