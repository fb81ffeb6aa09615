"""`newsvault demo`: crawl synthetic sites, offline (pipeline.demo.demo)."""

from __future__ import annotations

import argparse

from pipeline.cli.options import Commands, load_settings


def register(commands: Commands) -> None:
    p = commands.add("demo", run, help="crawl synthetic sites, offline",
                     description="Serve synthetic 36Kr and NetEase sites on 127.0.0.1 and "
                                 "crawl them into a demo warehouse (demo/ beside the "
                                 "warehouse), then print what to try next. Needs no network.")
    p.add_argument("--dir", metavar="FOLDER", help="demo folder (default: demo/ beside the "
                   "warehouse file)")


def run(args: argparse.Namespace) -> int:
    from pipeline.demo import demo

    result = demo(load_settings(args), args.dir)
    print(f"demo: synthetic sites served on {result.origin}, crawled into {result.warehouse}")
    print(result.report.summary)
    print("Try next:")
    for line in result.next_steps():
        print(f"  {line}")
    return result.report.exit_code
