"""`newsvault crawl`: discover, fetch, extract and store (pipeline.jobs.crawl.crawl)."""

from __future__ import annotations

import argparse

from pipeline.cli.inputs import warc_files
from pipeline.cli.options import (
    Commands,
    add_connect_to,
    add_site,
    connect_to,
    load_settings,
    non_negative,
)


def register(commands: Commands) -> None:
    p = commands.add("crawl", run, help="discover, fetch, extract and store",
                     description="Discover new articles, fetch them politely, extract and "
                                 "store them. Example: newsvault crawl --site 36kr -q")
    add_site(p, repeatable=True)
    p.add_argument("--max-articles", type=non_negative, metavar="N",
                   help="article pages to fetch per site this run (0: no limit)")
    add_connect_to(p, "send HOST's requests to another origin, keeping stored URLs "
                      "(repeatable; HOST may be '*' or '*.domain')")
    p.add_argument("--replay", nargs="+", metavar="WARC",
                   help="answer requests from these WARC files (or folders of them) instead "
                        "of the network")


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.crawl import crawl

    settings = load_settings(args, **connect_to(args))
    report = crawl(settings, sites=args.site, max_articles=args.max_articles,
                   replay=warc_files(args.replay or [], replay=True))
    print(report.summary)
    return report.exit_code
