"""`newsvault sql`: read-only SQL on the warehouse (pipeline.analyze.query.sql)."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, add_format, load_settings, output_format
from pipeline.cli.output import print_rows


def register(commands: Commands) -> None:
    p = commands.add("sql", run, help="run read-only SQL",
                     description="Run read-only SQL on the warehouse. Example: newsvault sql "
                                 "\"SELECT site, count(*) FROM articles GROUP BY site\" --csv")
    p.add_argument("query")
    add_format(p)


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import sql

    columns, rows = sql(load_settings(args), args.query)
    print_rows(columns, rows, output_format(args))
    return EXIT_OK
