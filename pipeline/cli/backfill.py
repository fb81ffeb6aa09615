"""`newsvault backfill`: history from public web archives (pipeline.jobs.backfill)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from pipeline.cli.options import (
    Commands,
    add_connect_to,
    add_site,
    add_window,
    connect_to,
    is_live,
    load_settings,
    non_negative,
)
from pipeline.cli.output import Bar, print_rows
from pipeline.core.errors import UsageError


def register(commands: Commands) -> None:
    p = commands.add("backfill", run, help="history from public web archives",
                     description="Read the sites' past from the Wayback Machine and Common "
                                 "Crawl: article pages captured in the dates, extracted "
                                 "like the crawl's and stored with their capture "
                                 "(captures.purpose 'backfill', the archive URL in "
                                 "captures.via). Resumable; ids stored already are skipped. "
                                 "Example: newsvault backfill --since 2026-01-01 --until "
                                 "2026-01-31 --site 36kr")
    add_window(p, "first day of captures (YYYY-MM-DD, Beijing; required unless --refused)",
               "last day of captures, included")
    add_site(p, repeatable=True)
    p.add_argument("--from", dest="archives", metavar="ARCHIVE[,ARCHIVE]",
                   help="archives to read: wayback, commoncrawl (default backfill.archives)")
    p.add_argument("--limit", type=non_negative, metavar="N",
                   help="read at most N archived pages this run (the rest waits)")
    p.add_argument("--dry-run", action="store_true",
                   help="only count the captures each archive holds per site and month")
    p.add_argument("--refresh", action="store_true",
                   help="read ids stored already again (a changed page becomes a version)")
    p.add_argument("--refused", action="store_true",
                   help="only what the sites refused: feed-only articles, blocked pages")
    add_connect_to(p, "send HOST's requests (archive hosts too) to another origin")


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.backfill import BackfillOptions, DryRun, backfill

    since, until = _window(args)
    options = BackfillOptions(since=since, until=until, sites=args.site,
                              archives=_archives(args.archives), limit=args.limit,
                              dry_run=args.dry_run, refresh=args.refresh, refused=args.refused)
    settings = load_settings(args, **connect_to(args))
    bar = Bar("backfill") if is_live(args) and not args.dry_run else None
    result = backfill(settings, options, progress=bar)
    if bar is not None:
        bar.close()
    if isinstance(result, DryRun):
        print_rows(result.columns, result.rows, "table")
        for problem in result.problems:
            print(f"newsvault: {problem}", file=sys.stderr)
        return result.exit_code
    print(result.summary)
    return result.exit_code


def _window(args: argparse.Namespace) -> tuple[dt.datetime | None, dt.datetime | None]:
    from pipeline.analyze.query import parse_date

    since = parse_date("--since", args.since) if args.since else None
    until = None
    if args.until:
        until = parse_date("--until", args.until)
        if len(args.until.strip()) == 10:  # a day: all of it
            until += dt.timedelta(days=1)
    return since, until


def _archives(given: str | None) -> list[str] | None:
    if given is None:
        return None
    archives = [a.strip() for a in given.split(",") if a.strip()]
    if not archives:
        raise UsageError("--from names no archive: give wayback, commoncrawl or both")
    return archives
