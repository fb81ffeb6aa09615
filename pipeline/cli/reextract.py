"""`newsvault reextract`: rebuild articles from the archive (pipeline.jobs.reextract)."""

from __future__ import annotations

import argparse

from pipeline.cli.options import Commands, add_site, add_window, load_settings


def register(commands: Commands) -> None:
    p = commands.add("reextract", run, help="re-extract from the archive",
                     description="Rebuild articles from their archived captures, without "
                                 "the network, after an extractor change; changed ones keep "
                                 "their previous state in article_versions. Example: "
                                 "newsvault reextract --site netease --since 2026-11-01")
    add_site(p)
    add_window(p, "only articles published since DATE", None)
    p.add_argument("--all", action="store_true",
                   help="every article, not only those of another extractor version")


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import parse_date
    from pipeline.jobs.reextract import reextract

    since = parse_date("--since", args.since) if args.since else None
    report = reextract(load_settings(args), site=args.site, since=since, everything=args.all)
    print(report.summary)
    return report.exit_code
