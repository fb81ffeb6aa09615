"""`newsvault maintain`: compact team mode's lake (pipeline.store.maintain.maintain)."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, load_settings


def register(commands: Commands) -> None:
    p = commands.add("maintain", run,
                     help="compact the team lake's files (team mode; a file: CHECKPOINT)",
                     description="Team mode: compact term counts, flush inlined rows, rewrite "
                                 "and merge Parquet files, expire old snapshots and delete "
                                 "unreferenced files, under the exclusive maintenance lock "
                                 "(batch commits wait meanwhile). A DuckDB file is "
                                 "checkpointed. Example: newsvault --warehouse "
                                 "postgresql://nv@db/news maintain --older-than 24")
    p.add_argument("--older-than", type=float, default=24.0, metavar="HOURS",
                   help="keep snapshots and replaced files this recent (default 24)")
    p.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                   help="wait this long for the lock, then exit 75 (default 60)")


def run(args: argparse.Namespace) -> int:
    from pipeline.store.maintain import maintain

    report = maintain(load_settings(args), older_than=args.older_than, wait=args.wait)
    print(report.line())
    return EXIT_OK
