"""`newsvault search QUERY`: a thin skin over pipeline.analyze.search.search.

Prints one page of results: as a list (snippets with the matches in bold on a terminal,
plain otherwise), `--csv` (one row per article) or `--json` (one JSON object per
article, the snippet with the [start, end) offsets of its matches).  The count and the
facets go to stdout after the list, and to stderr with --csv/--json so the data stays
clean.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TYPE_CHECKING

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, add_format, add_window, load_settings
from pipeline.cli.output import note
from pipeline.core.errors import UsageError

if TYPE_CHECKING:
    from pipeline.analyze.search import SearchResults

DEFAULT_LIMIT = 10  # pipeline.analyze.search.DEFAULT_LIMIT (imported when the command runs)
CSV_COLUMNS = ["article_id", "site", "published_at", "title", "url", "source", "score",
               "snippet"]
BOLD, PLAIN = "\033[1m", "\033[0m"


def register(commands: Commands) -> None:
    p = commands.add("search", run, help="find articles by words, ranked",
                     description="Articles matching the query, best first (BM25 over the "
                                 "term index, title words weighted up), with a snippet "
                                 "around the best match. Every result has all the words; "
                                 "\"quoted words\" must stand together; -word excludes. "
                                 "Chinese needs no spaces (segmented like the index). "
                                 "Example: newsvault search '智谱 \"大模型\" -融资' "
                                 "--site 36kr --since 2026-01-01")
    p.add_argument("query", nargs="+", metavar="QUERY",
                   help="words, \"phrases\" and -exclusions (quote the whole query when it "
                        "has quotes or -words)")
    p.add_argument("--site", help="only this site")  # checked by search: one line, exit 2
    add_window(p, "published on or after (YYYY-MM-DD, Beijing)",
               "published on or before (YYYY-MM-DD)")
    p.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="N",
                   help=f"results to show (default {DEFAULT_LIMIT})")
    p.add_argument("--offset", default="0", metavar="N", help="results to skip (paging)")
    add_format(p)


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.search import SearchQuery, search

    query = SearchQuery(" ".join(args.query), site=args.site, since=args.since,
                        until=args.until, limit=_whole("--limit", args.limit),
                        offset=_whole("--offset", args.offset))
    results = search(load_settings(args), query)
    for text in results.notes:
        note(text)
    if args.csv:
        _csv(results)
    elif args.json:
        for hit in results.hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False))
    else:
        _list(results, bold=sys.stdout.isatty())
    if args.csv or args.json:
        print(f"newsvault: {_summary(results)}", file=sys.stderr)
    return EXIT_OK


def _whole(flag: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a whole number") from None


def _csv(results: SearchResults) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in results.hits:
        published = hit.published_at.isoformat() if hit.published_at else ""
        writer.writerow([hit.article_id, hit.site, published, hit.title or "", hit.url or "",
                         hit.source or "", f"{hit.score:.4f}", hit.snippet.text])


def _list(results: SearchResults, bold: bool) -> None:
    for n, hit in enumerate(results.hits, results.query.offset + 1):
        when = hit.published_at.strftime("%Y-%m-%d %H:%M") if hit.published_at else "-"
        print(f"{n}. {hit.title or '(no title)'}  [{hit.score:.2f}]")
        print(f"   {hit.site} · {when} · {hit.source or '-'} · {hit.url or hit.article_id}")
        text = hit.snippet.marked(BOLD, PLAIN) if bold else hit.snippet.text
        if text:
            print(f"   {text}")
    print(_summary(results))
    for name, label in (("site", "sites"), ("month", "months"), ("source", "来源")):
        facets = results.facets.get(name) or []
        if facets and results.total:
            print(f"{label}: " + ", ".join(f"{f.value} {f.count}" for f in facets))


def _summary(results: SearchResults) -> str:
    if not results.total:
        return "no articles found"
    first = results.query.offset + 1
    last = results.query.offset + len(results.hits)
    shown = f"showing {first}-{last}" if results.hits else "none on this page"
    return f"{results.total} article{'s' if results.total != 1 else ''} found, {shown}"
