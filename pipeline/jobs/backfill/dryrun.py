"""`backfill --dry-run`: what the archives hold per archive, site and month."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.config.settings import Settings
from pipeline.jobs.backfill.archives import archive_fetcher
from pipeline.jobs.backfill.index import Index
from pipeline.jobs.backfill.plan import Plan
from pipeline.sources import registry
from pipeline.store.records import Found


@dataclass
class MonthCount:
    archive: str
    site: str
    month: str
    captures: int = 0
    articles: int = 0
    lists: int = 0
    ids: set[str] = field(default_factory=set)


@dataclass
class DryRun:
    """What the archives hold per archive, site and month (`backfill --dry-run`)."""

    months: list[MonthCount] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return ["archive", "site", "month", "captures", "article_pages", "distinct_ids",
                "list_pages"]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [(m.archive, m.site, m.month, m.captures, m.articles, len(m.ids), m.lists)
                for m in sorted(self.months, key=lambda m: (m.archive, m.site, m.month))]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


async def dry_run(settings: Settings, plan: Plan) -> DryRun:
    """Page through the indexes as a run would, counting instead of storing."""
    result = DryRun()
    counts: dict[tuple[str, str, str], MonthCount] = {}

    def count(found: list[Found]) -> None:
        for f in found:
            month = f.row.captured_at.strftime("%Y-%m")
            key = (f.row.archive, f.site, month)
            entry = counts.get(key) or counts.setdefault(key, MonthCount(*key))
            entry.captures += 1
            if f.kind == "list":
                entry.lists += 1
            else:
                entry.articles += 1
                entry.ids.add(f.article_id or "")

    async with archive_fetcher(settings) as fetcher:
        index = Index(settings, plan, fetcher)
        for site in plan.sites:
            for outcome in await index.site(registry.get(site), count):
                if outcome.error:
                    result.problems.append(f"{site} {outcome.describe()}")
    result.months = list(counts.values())
    return result
