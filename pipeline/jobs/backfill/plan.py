"""What a backfill is asked to do: its options, checked into a Plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config.settings import ARCHIVES, Settings
from pipeline.core.errors import UsageError
from pipeline.sources import registry

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackfillOptions:
    """`backfill`'s options (the command's flags).  `until` is exclusive; no `sites` or
    `archives`: the enabled sites and backfill.archives."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sites: list[str] | None = None
    archives: list[str] | None = None
    limit: int | None = None  # archived pages to read this run
    dry_run: bool = False  # only count what the archives hold
    refresh: bool = False  # read ids stored already again
    refused: bool = False  # only what the sites refused


@dataclass(frozen=True)
class Plan:
    sites: list[str]
    archives: list[str]
    since: dt.datetime | None
    until: dt.datetime | None
    limit: int | None
    refresh: bool
    refused: bool


def make_plan(settings: Settings, options: BackfillOptions) -> Plan:
    """The options checked against the settings; UsageError names the bad one."""
    since, until = options.since, options.until
    if since is None and not options.refused:
        raise UsageError("backfill needs --since DATE (the first day of captures to read), "
                         "e.g. --since 2026-01-01")
    if since is not None and until is not None and until <= since:
        raise UsageError(f"--until {until:%Y-%m-%d} is not after --since {since:%Y-%m-%d}")
    names = list(dict.fromkeys(options.sites
                               or [n for n, s in settings.sites.items() if s.enabled]))
    for name in names:
        if name not in registry.names():
            raise UsageError(f"--site {name!r} is not a site; known: "
                             f"{', '.join(registry.names())}")
    chosen = list(dict.fromkeys(options.archives or settings.backfill.archives))
    for name in chosen:
        if name not in ARCHIVES:
            raise UsageError(f"--from {name!r} is not an archive; known: {', '.join(ARCHIVES)}")
    if not chosen:
        raise UsageError("--from names no archive; known: " + ", ".join(ARCHIVES))
    return Plan(names, chosen, since, until, options.limit, options.refresh, options.refused)


def window(plan: Plan) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The index queries' from/to (inclusive): `until` is exclusive, a second less."""
    until = plan.until - dt.timedelta(seconds=1) if plan.until is not None else None
    return plan.since, until


def stamp(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S") if when else ""
