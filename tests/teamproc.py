"""A team-mode process for the multi-process tests: `python tests/teamproc.py WHAT ...`.

Each says `ready` and waits for a line on stdin, so the test lets several go at once.

    schema URI                          create nv_ctl; print the versions this applied
    pace URI CONNECT_TO INTERVAL URL..  fetch the URLs one by one through the shared pacer
    cli ARG..                           `newsvault ARG..`; exits with its exit code
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.cli.main import main as cli_main
from pipeline.config.settings import FetchSettings
from pipeline.core.records import Request
from pipeline.fetch.client import Fetcher
from pipeline.store.team import schema
from pipeline.store.team.connect import connect
from pipeline.store.team.pacer import SharedPacer


def create_schema(uri: str) -> None:
    con = connect(uri, autocommit=True)
    print(json.dumps(schema.ensure(con)), flush=True)
    con.close()


async def pace(uri: str, connect_to: str, interval: float, urls: list[str]) -> None:
    pacer = SharedPacer(uri)
    settings = FetchSettings(min_interval=interval, concurrency_per_host=4, retries=0,
                             obey_robots=False, connect_to=(connect_to,))
    try:
        async with Fetcher(settings, lambda host: True, pacer=pacer) as fetcher:
            done = await asyncio.gather(*(fetcher.fetch(Request(u)) for u in urls))
        print(json.dumps([f.status for f in done]), flush=True)
    finally:
        pacer.close()


def main(argv: list[str]) -> None:
    print("ready", flush=True)
    sys.stdin.readline()  # the go signal
    if argv[0] == "schema":
        create_schema(argv[1])
    elif argv[0] == "cli":
        sys.exit(cli_main(argv[1:]))
    elif argv[0] == "pace":
        asyncio.run(pace(argv[1], argv[2], float(argv[3]), argv[4:]))
    else:
        raise SystemExit(f"unknown: {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
