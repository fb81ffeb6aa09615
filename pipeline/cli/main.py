"""The `newsvault` command: thin skins over the library functions of the same names.

Exit codes (the CLI alone turns exceptions into them):

    0   ok
    1   some failures (a site or some articles failed; the rest is stored)
    2   usage or configuration error (bad option, config key, SQL, missing file)
    74  the warehouse cannot be opened or written, or the archive, spool or lock file
        cannot be written (disk full, read-only, permissions)
    75  another run holds the lock, or another process holds the DuckDB file

Each command is a module of this package (see its docstring for how to add one);
this module registers them, sets up logging and maps the exception tree to exit codes.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from pipeline import __version__
from pipeline.cli import (
    backfill,
    config,
    coverage,
    crawl,
    demo,
    export,
    extract,
    import_warc,
    links,
    maintain,
    migrate_to,
    reextract,
    search,
    serve,
    sql,
    status,
    terms,
    trend,
)
from pipeline.cli.exits import EXIT_BUSY, EXIT_FAILURES, EXIT_OK, EXIT_USAGE, EXIT_WAREHOUSE
from pipeline.cli.options import Commands, common_options
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

# In the order --help lists them.
COMMANDS = (crawl, import_warc, backfill, reextract, extract, links, sql, export, terms, trend,
            search, coverage, status, serve, maintain, migrate_to, config, demo)
EXIT_CODES: list[tuple[type[PipelineError], int]] = [
    (ConfigError, EXIT_USAGE), (UsageError, EXIT_USAGE), (QueryError, EXIT_USAGE),
    (LockHeld, EXIT_BUSY), (WarehouseBusy, EXIT_BUSY), (WarehouseError, EXIT_WAREHOUSE),
    (WriteError, EXIT_WAREHOUSE),
    (ExtractError, EXIT_FAILURES), (PipelineError, EXIT_FAILURES),
]
log = logging.getLogger("pipeline")


def main(argv: Sequence[str] | None = None) -> int:
    # A run that fails while connections are being opened leaves anyio's unstarted
    # connect attempts behind; Python reports them as it exits, two lines after the
    # run's own last line (which cron keeps). Nothing was left undone: they never ran.
    warnings.filterwarnings("ignore", r"coroutine 'connect_tcp\.<locals>\.try_connect' "
                            "was never awaited", RuntimeWarning)
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


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="newsvault", parents=[common],
        description="Scrape 36Kr and NetEase news into a DuckDB warehouse.",
        epilog="exit codes: 0 ok, 1 some failures, 2 usage or config error, "
               "74 warehouse unusable, 75 locked by another run")
    parser.add_argument("--version", action="version", version=f"newsvault {__version__}")
    commands = Commands(parser.add_subparsers(dest="command", metavar="COMMAND"), common)
    for command in COMMANDS:
        command.register(commands)
    return parser


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
