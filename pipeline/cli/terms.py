"""`newsvault terms`: bring the term index up to date (pipeline.index.terms)."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.exits import EXIT_FAILURES, EXIT_OK
from pipeline.cli.options import Commands, is_live, load_settings, non_negative


def register(commands: Commands) -> None:
    p = commands.add("terms", run, help="bring the term index up to date",
                     description="Index the terms of articles that are not indexed, changed "
                                 "since, or indexed with another dictionary (after editing "
                                 "configs/terms.txt). Resumable. Example: newsvault terms")
    p.add_argument("--rebuild", action="store_true", help="re-index every article")
    p.add_argument("--check", action="store_true",
                   help="only report how current the index is (exit 1 when not)")
    p.add_argument("--workers", type=non_negative, metavar="N",
                   help="segmenting processes (default: one per CPU for big jobs)")


def run(args: argparse.Namespace) -> int:
    from pipeline.index import terms

    settings = load_settings(args)
    if args.check:
        report = terms.check(settings)
        print(f"term index {report.version}: {report.current} of {report.articles} articles "
              f"current, {report.stale} stale, {report.missing} not indexed; daily counts of "
              f"{report.recount} months await a recount")
        return EXIT_OK if not report.todo else EXIT_FAILURES
    live = is_live(args)  # not in cron mail
    report = terms.update(settings, rebuild=args.rebuild, workers=args.workers,
                          progress=_progress if live else None)
    if report.indexed and live:
        print(file=sys.stderr)
    print(report.summary)
    return EXIT_OK


def _progress(done: int, todo: int) -> None:
    of = f" of {todo}" if todo else ""  # team mode: the nodes share an unknown part
    print(f"\rindexed {done}{of}", end="", file=sys.stderr, flush=True)
