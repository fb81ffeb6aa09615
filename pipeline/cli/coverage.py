"""`newsvault coverage`: seen, stored and missing per period (pipeline.analyze.coverage)."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import (
    Commands,
    add_by,
    add_format,
    add_site,
    add_window,
    load_settings,
    output_format,
)
from pipeline.cli.output import print_rows


def register(commands: Commands) -> None:
    p = commands.add("coverage", run, help="seen, stored and missing per period",
                     description="Per site and period (publish time, Beijing): ids seen on "
                                 "lists or in archives, stored, stored from feed text only, "
                                 "blocked, failed, skipped, pending, missing. Example: "
                                 "newsvault coverage --site 36kr --since 2026-11-01 --by week")
    add_site(p)
    add_window(p, "first day (YYYY-MM-DD, Beijing time)", "last day, included (YYYY-MM-DD)")
    add_by(p, "day")
    add_format(p)


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.coverage import coverage

    result = coverage(load_settings(args), site=args.site, since=args.since, until=args.until,
                      by=args.by)
    print_rows(result.columns, result.rows, output_format(args))
    return EXIT_OK
