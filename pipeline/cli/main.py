"""The `newsvault` command: thin skins over the library functions of the same names.

Exit codes (the CLI alone turns exceptions into them):

    0   ok
    1   some failures (a site or some articles failed; the rest is stored)
    2   usage or configuration error (bad option, config key, SQL, missing file)
    74  the warehouse cannot be opened or written, or the archive, spool or lock file
        cannot be written (disk full, read-only, permissions)
    75  another run holds the lock, or another process holds the DuckDB file
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from pipeline import __version__
from pipeline.config import settings as settings_mod
from pipeline.core.errors import (
    ConfigError,
    ExtractError,
    LockHeld,
    PipelineError,
    QueryError,
    UsageError,
    WarehouseBusy,
    WarehouseError,
    WriteError,
)
from pipeline.core.utf8 import not_utf8

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_WAREHOUSE, EXIT_BUSY = 0, 1, 2, 74, 75
EXIT_CODES: list[tuple[type[PipelineError], int]] = [
    (ConfigError, EXIT_USAGE), (UsageError, EXIT_USAGE), (QueryError, EXIT_USAGE),
    (LockHeld, EXIT_BUSY), (WarehouseBusy, EXIT_BUSY), (WarehouseError, EXIT_WAREHOUSE),
    (WriteError, EXIT_WAREHOUSE),
    (ExtractError, EXIT_FAILURES), (PipelineError, EXIT_FAILURES),
]
log = logging.getLogger("pipeline")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _logging(args)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.handler(args) or 0)
    except PipelineError as exc:
        print(f"newsvault: {exc}", file=sys.stderr)
        return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))
    except KeyboardInterrupt:
        print("newsvault: interrupted", file=sys.stderr)
        return EXIT_FAILURES
    except BrokenPipeError:
        return EXIT_OK


def _terminate(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


# ------------------------------------------------------------------------------ parser

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", metavar="PATH", default=argparse.SUPPRESS,
                        help="DuckDB file (default warehouse/news.duckdb; env "
                             "NEWSVAULT_WAREHOUSE)")
    common.add_argument("--config", metavar="FILE", action="append", default=argparse.SUPPRESS,
                        help="config file or folder of *.toml (repeatable; default ./configs/ "
                             "if present; env NEWSVAULT_CONFIG)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print only the summary line and errors")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log every request")
    parser = argparse.ArgumentParser(
        prog="newsvault", parents=[common],
        description="Scrape 36Kr and NetEase news into a DuckDB warehouse.",
        epilog="exit codes: 0 ok, 1 some failures, 2 usage or config error, "
               "74 warehouse unusable, 75 locked by another run")
    parser.add_argument("--version", action="version", version=f"newsvault {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("crawl", parents=[common], help="discover, fetch, extract and store",
                       description="Discover new articles, fetch them politely, extract and "
                                   "store them. Example: newsvault crawl --site 36kr -q")
    p.add_argument("--site", action="append", choices=_site_names(), help="only this site "
                   "(repeatable)")
    p.add_argument("--max-articles", type=_non_negative, metavar="N",
                   help="article pages to fetch per site this run (0: no limit)")
    p.add_argument("--connect-to", action="append", metavar="HOST=http://IP:PORT",
                   help="send HOST's requests to another origin, keeping stored URLs "
                        "(repeatable; HOST may be '*' or '*.domain')")
    p.add_argument("--replay", nargs="+", metavar="WARC",
                   help="answer requests from these WARC files (or folders of them) instead "
                        "of the network")
    p.set_defaults(handler=cmd_crawl)

    p = sub.add_parser("import-warc", parents=[common], help="ingest WARC files",
                       description="Ingest standard WARC files (gzip or not): records of known "
                                   "sites become captures and articles as in a crawl. The "
                                   "files stay where they are and are referenced; a folder "
                                   "stands for its *.warc and *.warc.gz files. Example: "
                                   "newsvault import-warc crawl-2026-11.warc.gz")
    p.add_argument("files", nargs="+", metavar="FILE|FOLDER")
    p.set_defaults(handler=cmd_import_warc)

    p = sub.add_parser("backfill", parents=[common], help="history from public web archives",
                       description="Read the sites' past from the Wayback Machine and Common "
                                   "Crawl: article pages captured in the dates, extracted "
                                   "like the crawl's and stored with their capture "
                                   "(captures.purpose 'backfill', the archive URL in "
                                   "captures.via). Resumable; ids stored already are skipped. "
                                   "Example: newsvault backfill --since 2026-01-01 --until "
                                   "2026-01-31 --site 36kr")
    p.add_argument("--since", metavar="DATE", help="first day of captures (YYYY-MM-DD, Beijing;"
                   " required unless --refused)")
    p.add_argument("--until", metavar="DATE", help="last day of captures, included")
    p.add_argument("--site", action="append", choices=_site_names(),
                   help="only this site (repeatable)")
    p.add_argument("--from", dest="archives", metavar="ARCHIVE[,ARCHIVE]",
                   help="archives to read: wayback, commoncrawl (default backfill.archives)")
    p.add_argument("--limit", type=_non_negative, metavar="N",
                   help="read at most N archived pages this run (the rest waits)")
    p.add_argument("--dry-run", action="store_true",
                   help="only count the captures each archive holds per site and month")
    p.add_argument("--refresh", action="store_true",
                   help="read ids stored already again (a changed page becomes a version)")
    p.add_argument("--refused", action="store_true",
                   help="only what the sites refused: feed-only articles, blocked pages")
    p.add_argument("--connect-to", action="append", metavar="HOST=http://IP:PORT",
                   help="send HOST's requests (archive hosts too) to another origin")
    p.set_defaults(handler=cmd_backfill)

    p = sub.add_parser("reextract", parents=[common], help="re-extract from the archive",
                       description="Rebuild articles from their archived captures, without "
                                   "the network, after an extractor change; changed ones keep "
                                   "their previous state in article_versions. Example: "
                                   "newsvault reextract --site netease --since 2026-11-01")
    p.add_argument("--site", choices=_site_names())
    p.add_argument("--since", metavar="DATE", help="only articles published since DATE")
    p.add_argument("--all", action="store_true",
                   help="every article, not only those of another extractor version")
    p.set_defaults(handler=cmd_reextract)

    p = sub.add_parser("extract", parents=[common], help="extract one saved page",
                       description="Extract a saved page. Example: newsvault extract page.html "
                                   "--url https://www.163.com/dy/article/X.html --json")
    p.add_argument("file", help="saved page (raw bytes as served)")
    p.add_argument("--url", help="the page's URL (selects the site's layout)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_extract)

    p = sub.add_parser("links", parents=[common], help="article links of a saved list page",
                       description="List the article links a saved list/feed page yields. "
                                   "Example: newsvault links feed.xml --url "
                                   "https://www.36kr.com/feed --json")
    p.add_argument("file")
    p.add_argument("--url", required=True, help="the list page's URL")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.set_defaults(handler=cmd_links)

    p = sub.add_parser("sql", parents=[common], help="run read-only SQL",
                       description="Run read-only SQL on the warehouse. Example: newsvault sql "
                                   "\"SELECT site, count(*) FROM articles GROUP BY site\" --csv")
    p.add_argument("query")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV output")
    fmt.add_argument("--json", action="store_true", help="JSON lines output")
    p.set_defaults(handler=cmd_sql)

    p = sub.add_parser("export", parents=[common], help="export articles",
                       description="Export articles (written under a temporary name, then "
                                   "renamed; a .manifest.json beside it). Example: newsvault "
                                   "export --format csv --excel --out news.csv --site netease "
                                   "--since 2026-01-01 --term 智谱")
    p.add_argument("--format", required=True, choices=("csv", "parquet", "jsonl"))
    p.add_argument("--out", required=True, metavar="PATH",
                   help="file, or folder with --partition")
    p.add_argument("--site", choices=_site_names())
    p.add_argument("--since", metavar="DATE", help="published on or after (YYYY-MM-DD, Beijing)")
    p.add_argument("--until", metavar="DATE", help="published on or before (YYYY-MM-DD)")
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
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("terms", parents=[common], help="bring the term index up to date",
                       description="Index the terms of articles that are not indexed, changed "
                                   "since, or indexed with another dictionary (after editing "
                                   "configs/terms.txt). Resumable. Example: newsvault terms")
    p.add_argument("--rebuild", action="store_true", help="re-index every article")
    p.add_argument("--check", action="store_true",
                   help="only report how current the index is (exit 1 when not)")
    p.add_argument("--workers", type=_non_negative, metavar="N",
                   help="segmenting processes (default: one per CPU for big jobs)")
    p.set_defaults(handler=cmd_terms)

    p = sub.add_parser("trend", parents=[common], help="mentions of terms per period",
                       description="Articles mentioning each term per day, week or month "
                                   "(Beijing time), from the term index. TERM: WORD, "
                                   "WORD|WORD (any of them) or LABEL=WORD|WORD. Example: "
                                   "newsvault trend 智谱 DeepSeek 千问 --by week --share "
                                   "--plot trend.png")
    p.add_argument("terms", nargs="+", metavar="TERM")
    p.add_argument("--by", choices=("day", "week", "month"), default="week")
    p.add_argument("--site", choices=_site_names())
    p.add_argument("--since", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="last day, included (YYYY-MM-DD)")
    p.add_argument("--share", action="store_true",
                   help="also divide by all articles of the period (share of coverage)")
    p.add_argument("--dedupe", action="store_true",
                   help="count a story reposted across sites or accounts once")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV output")
    fmt.add_argument("--json", action="store_true", help="JSON lines output")
    p.add_argument("--plot", metavar="FILE.png", help="also draw the lines into a PNG")
    p.add_argument("--plot-size", default="1200x600", metavar="WxH",
                   help="PNG size in pixels (default 1200x600)")
    p.set_defaults(handler=cmd_trend)

    p = sub.add_parser("coverage", parents=[common], help="seen, stored and missing per period",
                       description="Per site and period (publish time, Beijing): ids seen on "
                                   "lists or in archives, stored, stored from feed text only, "
                                   "blocked, failed, skipped, pending, missing. Example: "
                                   "newsvault coverage --site 36kr --since 2026-11-01 --by week")
    p.add_argument("--site", choices=_site_names())
    p.add_argument("--since", metavar="DATE", help="first day (YYYY-MM-DD, Beijing time)")
    p.add_argument("--until", metavar="DATE", help="last day, included (YYYY-MM-DD)")
    p.add_argument("--by", choices=("day", "week", "month"), default="day")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV output")
    fmt.add_argument("--json", action="store_true", help="JSON lines output")
    p.set_defaults(handler=cmd_coverage)

    p = sub.add_parser("status", parents=[common], help="last runs, counts, errors",
                       description="Show the last runs, per-site counts, pending work and the "
                                   "last errors. Example: newsvault status --json")
    p.add_argument("--json", action="store_true")
    p.add_argument("--check", action="store_true",
                   help="run the monitoring checks; exit 1 when one fails (for cron/nagios)")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("config", parents=[common], help="show settings",
                       description="Show the effective settings (or every key with its "
                                   "default and help, with --reference).")
    p.add_argument("--reference", action="store_true")
    p.set_defaults(handler=cmd_config)

    p = sub.add_parser("demo", parents=[common], help="crawl synthetic sites, offline",
                       description="Serve synthetic 36Kr and NetEase sites on 127.0.0.1 and "
                                   "crawl them into a demo warehouse (demo/ beside the "
                                   "warehouse), then print what to try next. Needs no network.")
    p.add_argument("--dir", metavar="FOLDER", help="demo folder (default: demo/ beside the "
                   "warehouse file)")
    p.set_defaults(handler=cmd_demo)

    from pipeline.cli import serve

    serve.add_parser(sub, common, load_settings)
    return parser


def _site_names() -> list[str]:
    from pipeline.sources import registry

    return registry.names()


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() \
            or not (100 <= int(width) <= 10000 and 100 <= int(height) <= 10000):
        raise UsageError(f"--plot-size {text!r} is not WIDTHxHEIGHT in pixels (100 to 10000 "
                         "each), e.g. 1200x600")
    return int(width), int(height)


def _logging(args: argparse.Namespace) -> None:
    level = (logging.DEBUG if getattr(args, "verbose", False)
             else logging.WARNING if getattr(args, "quiet", False) else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("pipeline")
    root.handlers = [handler]
    root.setLevel(level)
    if not getattr(args, "verbose", False):
        logging.getLogger("pipeline.fetch").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


def load_settings(args: argparse.Namespace, **overrides: Any) -> settings_mod.Settings:
    if getattr(args, "warehouse", None):
        overrides["warehouse.path"] = args.warehouse
    return settings_mod.load(getattr(args, "config", None),
                             {k: v for k, v in overrides.items() if v is not None})


# ----------------------------------------------------------------------------- commands

def cmd_crawl(args: argparse.Namespace) -> int:
    from pipeline.jobs.crawl import crawl

    overrides: dict[str, Any] = {}
    if args.connect_to:
        overrides["fetch.connect_to"] = list(args.connect_to)
    settings = load_settings(args, **overrides)
    report = crawl(settings, sites=args.site, max_articles=args.max_articles,
                   replay=_warc_files(args.replay or [], replay=True))
    print(report.summary)
    return report.exit_code


def cmd_import_warc(args: argparse.Namespace) -> int:
    from pipeline.jobs.importer import import_warc

    report, files = import_warc(load_settings(args), _warc_files(args.files))
    for outcome in files:
        print(outcome.line(), file=sys.stderr if outcome.error else sys.stdout)
    print(report.summary)
    return report.exit_code


def cmd_backfill(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import parse_date
    from pipeline.jobs.backfill import DryRun, backfill

    since = parse_date("--since", args.since) if args.since else None
    until = None
    if args.until:
        until = parse_date("--until", args.until)
        if len(args.until.strip()) == 10:  # a day: all of it
            until += dt.timedelta(days=1)
    archives = [a.strip() for a in args.archives.split(",") if a.strip()] \
        if args.archives is not None else None
    if archives == []:
        raise UsageError("--from names no archive: give wayback, commoncrawl or both")
    overrides: dict[str, Any] = {}
    if args.connect_to:
        overrides["fetch.connect_to"] = list(args.connect_to)
    settings = load_settings(args, **overrides)
    live = sys.stderr.isatty() and not getattr(args, "quiet", False)
    bar = _Bar("backfill") if live and not args.dry_run else None
    result = backfill(settings, since=since, until=until, sites=args.site, archives=archives,
                      limit=args.limit, dry_run=args.dry_run, refresh=args.refresh,
                      refused=args.refused, progress=bar)
    if bar is not None:
        bar.close()
    if isinstance(result, DryRun):
        _print_rows(result.columns, result.rows, "table")
        for problem in result.problems:
            print(f"newsvault: {problem}", file=sys.stderr)
        return result.exit_code
    print(result.summary)
    return result.exit_code


class _Bar:
    """A progress bar on stderr: done/total, rate, ETA (redrawn at most 5 times a second)."""

    def __init__(self, label: str) -> None:
        import time

        self.label = label
        self.clock = time.monotonic
        self.started = self.clock()
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        left = (total - done) / rate if rate > 0 else 0.0
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        eta = f"{int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        print(f"\r{self.label} [{bar:<30}] {done}/{total} {rate:.1f}/s ETA {eta}", end="",
              file=sys.stderr, flush=True)
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            print(file=sys.stderr)


def cmd_reextract(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import parse_date
    from pipeline.jobs.reextract import reextract

    since = parse_date("--since", args.since) if args.since else None
    report = reextract(load_settings(args), site=args.site, since=since, everything=args.all)
    print(report.summary)
    return report.exit_code


def cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.extract import extract

    data = _read_file(args.file)
    article = extract(data, args.url)
    if article.status not in ("ok", "paywall"):  # a paywalled page still has its metadata
        raise ExtractError(f"{args.file}: {article.status}: "
                           f"{article.provenance.get('status', 'nothing to extract')}",
                           article.status)
    if args.json:
        print(json.dumps(article.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    for name in ("title", "published_at", "author", "source", "original_source",
                 "original_author", "site", "article_id", "canonical_url", "tags", "summary",
                 "lang", "status", "extractor", "decode_rule"):
        value = getattr(article, name)
        if value:
            print(f"{name}: {', '.join(value) if isinstance(value, list) else value}")
    print()
    print(article.body)
    return EXIT_OK


def cmd_links(args: argparse.Namespace) -> int:
    from pipeline.discover.links import links

    found = links(_read_file(args.file), args.url)
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


def cmd_sql(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import sql

    columns, rows = sql(load_settings(args), args.query)
    _print_rows(columns, rows, "csv" if args.csv else "json" if args.json else "table")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.analyze.export import export

    columns = args.columns.split(",") if args.columns is not None else None
    result = export(load_settings(args), args.format, args.out, site=args.site,
                    since=args.since, until=args.until, terms=args.term, columns=columns,
                    excel=args.excel, partition=args.partition, force=args.force)
    for note in result.notes:
        print(f"newsvault: note: {note}", file=sys.stderr)
    what = f"{len(result.files)} files in " if args.partition else ""
    print(f"exported {result.rows} articles to {what}{result.path} "
          f"(manifest {result.manifest.name})")
    return EXIT_OK


def cmd_terms(args: argparse.Namespace) -> int:
    from pipeline.index import terms

    settings = load_settings(args)
    if args.check:
        report = terms.check(settings)
        print(f"term index {report.version}: {report.current} of {report.articles} articles "
              f"current, {report.stale} stale, {report.missing} not indexed; daily counts of "
              f"{report.recount} months await a recount")
        return EXIT_OK if not report.todo else EXIT_FAILURES

    live = sys.stderr.isatty() and not getattr(args, "quiet", False)  # not in cron mail

    def progress(done: int, todo: int) -> None:
        print(f"\rindexed {done} of {todo}", end="", file=sys.stderr, flush=True)

    report = terms.update(settings, rebuild=args.rebuild, workers=args.workers,
                          progress=progress if live else None)
    if report.indexed and live:
        print(file=sys.stderr)
    print(report.summary)
    return EXIT_OK


def cmd_trend(args: argparse.Namespace) -> int:
    from pipeline.analyze.trend import plot, trend

    settings = load_settings(args)
    size = _size(args.plot_size)
    if args.plot:
        from pipeline.analyze.outputs import writable_file

        writable_file(args.plot, "--plot")  # before the query, not after it
    result = trend(settings, args.terms, by=args.by, site=args.site, since=args.since,
                   until=args.until, share=args.share, dedupe=args.dedupe)
    for note in result.notes:
        print(f"newsvault: note: {note}", file=sys.stderr)
    if args.plot:
        font = plot(result, args.plot, settings, size)
        print(f"newsvault: plot {args.plot} drawn with {font}", file=sys.stderr)
    _print_rows(result.columns, result.rows,
                "csv" if args.csv else "json" if args.json else "table")
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from pipeline.analyze.coverage import coverage

    result = coverage(load_settings(args), site=args.site, since=args.since, until=args.until,
                      by=args.by)
    _print_rows(result.columns, result.rows,
                "csv" if args.csv else "json" if args.json else "table")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import check, status

    if args.check:
        checks = check(load_settings(args))
        if args.json:
            print(json.dumps([dataclasses.asdict(c) for c in checks], ensure_ascii=False))
        else:
            print("\n".join(c.line() for c in checks))
        return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILURES
    report = status(load_settings(args))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), ensure_ascii=False, default=str, indent=1))
        return EXIT_OK
    if report.running:
        print("== running now (counts at its last commit)")
        _print_rows(list(report.running[0]), [tuple(r.values()) for r in report.running],
                    "table")
    for title, rows in (("sites", report.sites),
                        ("extraction health (last run; flag: drift from the runs before)",
                         report.health),
                        ("coverage, last 7 days (newsvault coverage for more)",
                         report.coverage),
                        ("open list gaps (closed by a later run reading back, or a backfill)",
                         report.gaps),
                        ("last runs", report.runs), ("archive", report.storage),
                        ("waiting in the spool (merged by the next crawl)", report.spool),
                        ("last errors", report.errors)):
        print(f"== {title}")
        if rows:
            _print_rows(list(rows[0]), [tuple(r.values()) for r in rows], "table")
        else:
            print("(none)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo import demo

    result = demo(load_settings(args), args.dir)
    print(f"demo: synthetic sites served on {result.origin}, crawled into {result.warehouse}")
    print(result.report.summary)
    print("Try next:")
    for line in result.next_steps():
        print(f"  {line}")
    return result.report.exit_code


def cmd_config(args: argparse.Namespace) -> int:
    if args.reference:
        for key, default, text in settings_mod.reference():
            print(f"{key} = {default}\n    {text}")
        return EXIT_OK
    settings = load_settings(args)
    print(json.dumps({"files": list(settings.files), **settings_mod.as_dict(settings)},
                     ensure_ascii=False, indent=1, default=str))
    return EXIT_OK


# ----------------------------------------------------------------------------- helpers

def _warc_files(paths: list[str], *, replay: bool = False) -> list[str]:
    """WARC inputs: files, and folders standing for their *.warc and *.warc.gz files.
    `replay`: a file that is not WARC is refused (replay could answer nothing from it)."""
    from pipeline.archive.reader import not_warc

    files: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir()
                           if p.name.endswith((".warc", ".warc.gz")) and p.is_file())
            if not found:
                raise UsageError(f"{given}: the folder has no .warc or .warc.gz files; give "
                                 "WARC files or a folder of them")
            files.extend(found)
        elif path.is_file():
            files.append(given)
        else:
            raise UsageError(f"{given}: no such file or folder")
    for file in files if replay else []:
        try:
            problem = not_warc(Path(file))
        except OSError as exc:
            raise UsageError(f"{file}: cannot read it ({exc.strerror})") from None
        if problem:
            raise UsageError(f"--replay: {problem}; replay needs WARC files "
                             "(.warc or .warc.gz)")
    for file in [] if replay else files:  # an import records where each file is
        shown = not_utf8(str(Path(file).resolve()))
        if shown is not None:
            raise UsageError(f"{shown}: the path is not valid UTF-8 and the warehouse "
                             "records it as text; rename the file or folder")
    return files


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a saved page") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
    elif fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False,
                             default=_json_default))
    else:
        cells = [[_cell(v, 60) for v in row] for row in rows]
        widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
        print("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip())
        for row in cells:
            print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(value: Any, limit: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    text = str(value).replace("\n", " ") if limit else str(value)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
