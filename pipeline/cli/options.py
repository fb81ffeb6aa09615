"""Option blocks shared by the commands, so that each is written once."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from pipeline.config import settings as settings_mod

Handler = Callable[[argparse.Namespace], int]


def common_options() -> argparse.ArgumentParser:
    """The options every command takes (before or after its name)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", metavar="PATH", default=argparse.SUPPRESS,
                        help="DuckDB file (default warehouse/news.duckdb; env "
                             "NEWSVAULT_WAREHOUSE), or postgresql://USER@HOST:PORT/DB for "
                             "team mode (with warehouse.data_path)")
    common.add_argument("--node", metavar="NAME", default=argparse.SUPPRESS,
                        help="this process's node name in team mode (env NEWSVAULT_NODE; "
                             "default: the host name)")
    common.add_argument("--config", metavar="FILE", action="append", default=argparse.SUPPRESS,
                        help="config file or folder of *.toml (repeatable; default ./configs/ "
                             "if present; env NEWSVAULT_CONFIG)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print only the summary line and errors")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log every request")
    return common


class Commands:
    """The subcommands being registered: `add` makes one with the common options."""

    def __init__(self, sub: Any, common: argparse.ArgumentParser) -> None:
        self.sub = sub
        self.common = common

    def add(self, name: str, handler: Handler, *, help: str,
            description: str) -> argparse.ArgumentParser:
        parser = self.sub.add_parser(name, parents=[self.common], help=help,
                                     description=description)
        parser.set_defaults(handler=handler)
        return parser


def site_names() -> list[str]:
    from pipeline.sources import registry

    return registry.names()


def add_site(parser: argparse.ArgumentParser, *, repeatable: bool = False) -> None:
    if repeatable:
        parser.add_argument("--site", action="append", choices=site_names(),
                            help="only this site (repeatable)")
    else:
        parser.add_argument("--site", choices=site_names())


def add_window(parser: argparse.ArgumentParser, since: str, until: str | None) -> None:
    """--since and --until DATE (no --until when `until` is None), with their help."""
    parser.add_argument("--since", metavar="DATE", help=since)
    if until is not None:
        parser.add_argument("--until", metavar="DATE", help=until)


def add_by(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--by", choices=("day", "week", "month"), default=default)


def add_format(parser: argparse.ArgumentParser) -> None:
    """--csv or --json instead of a table; read back with `output_format`."""
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV output")
    fmt.add_argument("--json", action="store_true", help="JSON lines output")


def output_format(args: argparse.Namespace) -> str:
    return "csv" if args.csv else "json" if args.json else "table"


def add_connect_to(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--connect-to", action="append", metavar="HOST=http://IP:PORT",
                        help=help)


def connect_to(args: argparse.Namespace) -> dict[str, Any]:
    """The settings override --connect-to makes (none when not given)."""
    return {"fetch.connect_to": list(args.connect_to)} if args.connect_to else {}


def non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def is_live(args: argparse.Namespace) -> bool:
    """Progress is drawn on a terminal, unless --quiet (never in cron mail)."""
    import sys

    return sys.stderr.isatty() and not getattr(args, "quiet", False)


def load_settings(args: argparse.Namespace, **overrides: Any) -> settings_mod.Settings:
    if getattr(args, "warehouse", None):
        overrides["warehouse.path"] = args.warehouse
    if getattr(args, "node", None):
        overrides["team.node"] = args.node
    return settings_mod.load(getattr(args, "config", None),
                             {k: v for k, v in overrides.items() if v is not None},
                             timezone_known=_known_timezone)


def _known_timezone(name: str) -> bool:
    from pipeline.store.connect import known_timezone  # DuckDB only for a zone not default

    return known_timezone(name)
