"""`newsvault serve`: the read-only web app over the warehouse (pipeline.web.serve)."""

from __future__ import annotations

import argparse
import os

from pipeline.cli.options import Commands, load_settings

TOKEN_ENV = "NEWSVAULT_TOKEN"


def register(commands: Commands) -> None:
    p = commands.add("serve", run, help="browse the warehouse in a web browser",
                     description="Serve a read-only web app over the warehouse: latest "
                                 "articles, search, articles beside their captures, trend "
                                 "charts; every page has a JSON twin (?format=json); a "
                                 "DuckDB file or team mode (postgresql://). Binds "
                                 "127.0.0.1 unless --host and --allow-remote say otherwise. "
                                 "Example: newsvault serve --port 8080")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow an address other machines can reach (prints a warning)")
    p.add_argument("--token", help="ask every request for this token (?token=, the "
                   f"X-Newsvault-Token header or a cookie); env {TOKEN_ENV}")


def run(args: argparse.Namespace) -> int:
    from pipeline.web import serve

    token = args.token or os.environ.get(TOKEN_ENV) or None
    serve(load_settings(args), args.host, args.port, allow_remote=args.allow_remote,
          token=token)
    return 0
