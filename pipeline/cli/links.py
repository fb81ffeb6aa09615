"""`newsvault links`: the article links of a saved list page (pipeline.discover.links)."""

from __future__ import annotations

import argparse
import json
import sys

from pipeline.cli.exits import EXIT_FAILURES, EXIT_OK
from pipeline.cli.inputs import read_file
from pipeline.cli.options import Commands


def register(commands: Commands) -> None:
    p = commands.add("links", run, help="article links of a saved list page",
                     description="List the article links a saved list/feed page yields. "
                                 "Example: newsvault links feed.xml --url "
                                 "https://www.36kr.com/feed --json")
    p.add_argument("file")
    p.add_argument("--url", required=True, help="the list page's URL")
    p.add_argument("--json", action="store_true", help="print JSON lines")


def run(args: argparse.Namespace) -> int:
    from pipeline.discover.links import links

    found = links(read_file(args.file), args.url)
    for link in found:
        row = {"url": link.url, "title": link.title, "time": link.published_at,
               "kind": link.kind, "article_id": link.article_id}
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print("\t".join(str(row[k] or "") for k in ("url", "time", "kind", "title")))
    if not found:
        print(f"newsvault: {args.file}: no article links found", file=sys.stderr)
        return EXIT_FAILURES
    return EXIT_OK
