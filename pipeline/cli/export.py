"""`newsvault export`: articles to CSV, Parquet or JSON lines (pipeline.analyze.export)."""

from __future__ import annotations

import argparse

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, add_site, add_window, load_settings
from pipeline.cli.output import note


def register(commands: Commands) -> None:
    p = commands.add("export", run, help="export articles",
                     description="Export articles (written under a temporary name, then "
                                 "renamed; a .manifest.json beside it), from a DuckDB file or "
                                 "team mode (the way back from it). Example: newsvault "
                                 "export --format csv --excel --out news.csv --site netease "
                                 "--since 2026-01-01 --term 智谱")
    p.add_argument("--format", required=True, choices=("csv", "parquet", "jsonl"))
    p.add_argument("--out", required=True, metavar="PATH",
                   help="file, or folder with --partition")
    add_site(p)
    add_window(p, "published on or after (YYYY-MM-DD, Beijing)",
               "published on or before (YYYY-MM-DD)")
    p.add_argument("--term", action="append", default=[], metavar="TERM",
                   help="only articles mentioning TERM (WORD, or WORD|WORD for any); "
                        "repeat: all of them")
    p.add_argument("--columns", metavar="COL,COL", help="columns of articles to export "
                   "(default: the usual ones, see README)")
    p.add_argument("--excel", action="store_true", help="CSV for Excel: add the UTF-8 byte "
                   "order mark so Chinese shows correctly")
    p.add_argument("--partition", action="store_true", help="Parquet as a folder partitioned "
                   "by site and month (hive layout site=.../month=YYYY-MM/)")
    p.add_argument("--force", action="store_true", help="replace an existing file or folder "
                   "that is not an earlier export (never the warehouse, archive or spool)")


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.export import ExportOptions, export

    columns = args.columns.split(",") if args.columns is not None else None
    options = ExportOptions(args.format, args.out, site=args.site, since=args.since,
                            until=args.until, terms=args.term, columns=columns,
                            excel=args.excel, partition=args.partition, force=args.force)
    result = export(load_settings(args), options)
    for text in result.notes:
        note(text)
    what = f"{len(result.files)} files in " if args.partition else ""
    print(f"exported {result.rows} articles to {what}{result.path} "
          f"(manifest {result.manifest.name})")
    return EXIT_OK
