"""`newsvault status`: last runs, counts, errors; --check for monitoring
(pipeline.analyze.query.status and check)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from pipeline.cli.exits import EXIT_FAILURES, EXIT_OK
from pipeline.cli.options import Commands, load_settings
from pipeline.cli.output import print_dicts


def register(commands: Commands) -> None:
    p = commands.add("status", run, help="last runs, counts, errors",
                     description="Show the last runs, per-site counts, pending work and the "
                                 "last errors; on team mode (a postgresql:// warehouse) a run "
                                 "still running whose heartbeat is older than "
                                 "team.lease_ttl shows interrupted. Example: newsvault "
                                 "status --json")
    p.add_argument("--json", action="store_true")
    p.add_argument("--check", action="store_true",
                   help="run the monitoring checks; exit 1 when one fails (for cron/nagios)")


def run(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import status

    if args.check:
        return _check(args)
    report = status(load_settings(args))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), ensure_ascii=False, default=str, indent=1))
        return EXIT_OK
    if report.running:
        print("== running now (counts at its last commit)")
        print_dicts(report.running)
    for title, rows in _sections(report):
        print(f"== {title}")
        if rows:
            print_dicts(rows)
        else:
            print("(none)")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from pipeline.analyze.query import check

    checks = check(load_settings(args))
    if args.json:
        print(json.dumps([dataclasses.asdict(c) for c in checks], ensure_ascii=False))
    else:
        print("\n".join(c.line() for c in checks))
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILURES


def _sections(report: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    return [("sites", report.sites),
            ("extraction health (last run; flag: drift from the runs before)", report.health),
            ("coverage, last 7 days (newsvault coverage for more)", report.coverage),
            ("open list gaps (closed by a later run reading back, or a backfill)",
             report.gaps),
            ("last runs", report.runs), ("archive", report.storage),
            ("waiting in the spool (merged by the next crawl)", report.spool),
            ("last errors", report.errors)]
