"""`newsvault migrate-to`: move a file archive into team mode (pipeline.jobs.migrate_to)."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, load_settings


def register(commands: Commands) -> None:
    p = commands.add("migrate-to", run,
                     help="move a DuckDB file archive into team mode (PostgreSQL + DuckLake)",
                     description="Copy the file archive named by --warehouse (rows and WARC "
                                 "files) into the team warehouse URI: frontier, runs and "
                                 "cursors into PostgreSQL, captures, articles, versions, "
                                 "health and the term index into DuckLake, WARC files into "
                                 "warc/ under warehouse.data_path. A rerun adds nothing "
                                 "twice; a target holding another archive is refused (exit 2). "
                                 "Example: NEWSVAULT_DATA_PATH=/srv/nv newsvault --warehouse "
                                 "news.duckdb migrate-to postgresql://nv@db/news")
    p.add_argument("target", metavar="postgresql://USER@HOST:PORT/DB")


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.migrate_to import migrate_to

    quiet = getattr(args, "quiet", False)
    report = migrate_to(load_settings(args), args.target,
                        None if quiet else (lambda text: print(text, file=sys.stderr)))
    print(report.line())
    return EXIT_OK
