"""`newsvault extract`: extract one saved page (pipeline.extract.extract)."""

from __future__ import annotations

import argparse
import json

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.inputs import read_file
from pipeline.cli.options import Commands
from pipeline.core.errors import ExtractError

FIELDS = ("title", "published_at", "author", "source", "original_source", "original_author",
          "site", "article_id", "canonical_url", "tags", "summary", "lang", "status",
          "extractor", "decode_rule")


def register(commands: Commands) -> None:
    p = commands.add("extract", run, help="extract one saved page",
                     description="Extract a saved page. Example: newsvault extract page.html "
                                 "--url https://www.163.com/dy/article/X.html --json")
    p.add_argument("file", help="saved page (raw bytes as served)")
    p.add_argument("--url", help="the page's URL (selects the site's layout)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from pipeline.extract import extract

    article = extract(read_file(args.file), args.url)
    if article.status not in ("ok", "paywall"):  # a paywalled page still has its metadata
        raise ExtractError(f"{args.file}: {article.status}: "
                           f"{article.provenance.get('status', 'nothing to extract')}",
                           article.status)
    if args.json:
        print(json.dumps(article.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    for name in FIELDS:
        value = getattr(article, name)
        if value:
            print(f"{name}: {', '.join(value) if isinstance(value, list) else value}")
    print()
    print(article.body)
    return EXIT_OK
