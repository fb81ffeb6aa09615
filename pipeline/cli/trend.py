"""`newsvault trend`: mentions of terms per period (pipeline.analyze.trend.trend)."""

from __future__ import annotations

import argparse
import sys

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
from pipeline.cli.output import note, print_rows
from pipeline.core.errors import UsageError


def register(commands: Commands) -> None:
    p = commands.add("trend", run, help="mentions of terms per period",
                     description="Articles mentioning each term per day, week or month "
                                 "(Beijing time), from the term index. TERM: WORD, "
                                 "WORD|WORD (any of them) or LABEL=WORD|WORD. Example: "
                                 "newsvault trend 智谱 DeepSeek 千问 --by week --share "
                                 "--plot trend.png")
    p.add_argument("terms", nargs="+", metavar="TERM")
    add_by(p, "week")
    add_site(p)
    add_window(p, "first day (YYYY-MM-DD)", "last day, included (YYYY-MM-DD)")
    p.add_argument("--share", action="store_true",
                   help="also divide by all articles of the period (share of coverage)")
    p.add_argument("--dedupe", action="store_true",
                   help="count a story reposted across sites or accounts once")
    add_format(p)
    p.add_argument("--plot", metavar="FILE.png", help="also draw the lines into a PNG")
    p.add_argument("--plot-size", default="1200x600", metavar="WxH",
                   help="PNG size in pixels (default 1200x600)")


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.trend import TrendOptions, plot, trend

    settings = load_settings(args)
    size = plot_size(args.plot_size)
    if args.plot:
        from pipeline.analyze.outputs import writable_file

        writable_file(args.plot, "--plot")  # before the query, not after it
    options = TrendOptions(args.terms, by=args.by, site=args.site, since=args.since,
                           until=args.until, share=args.share, dedupe=args.dedupe)
    result = trend(settings, options)
    for text in result.notes:
        note(text)
    if args.plot:
        font = plot(result, args.plot, settings, size)
        print(f"newsvault: plot {args.plot} drawn with {font}", file=sys.stderr)
    print_rows(result.columns, result.rows, output_format(args))
    return EXIT_OK


def plot_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() \
            or not (100 <= int(width) <= 10000 and 100 <= int(height) <= 10000):
        raise UsageError(f"--plot-size {text!r} is not WIDTHxHEIGHT in pixels (100 to 10000 "
                         "each), e.g. 1200x600")
    return int(width), int(height)
