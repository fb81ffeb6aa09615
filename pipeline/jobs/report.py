"""What a run did, per site and in all: the counters behind the summary line."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pipeline.discover.lists import ListOutcome


@dataclass
class SiteReport:
    site: str
    lists: list[ListOutcome] = field(default_factory=list)
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    pending: int = 0
    abandoned: str | None = None
    counters: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    failure_limit: int = 4
    cooling_until: dt.datetime | None = None  # left alone after a challenge or risk page
    cooling_since_start: bool = False         # ... from the start of this run: skipped
    _bad_in_a_row: int = 0

    def observe(self, bad: bool, why: str = "") -> None:
        """The circuit: after `failure_limit` bad answers in a row (network failures,
        5xx/429 after retries, block pages) the site is left for the rest of the run."""
        if not bad:
            self._bad_in_a_row = 0
            return
        self._bad_in_a_row += 1
        if self._bad_in_a_row >= self.failure_limit and not self.abandoned:
            self.abandoned = (f"left for this run after {self.failure_limit} failures in a "
                              f"row (the rest waits for the next run); last: {why}")

    @property
    def block_rate(self) -> float | None:
        """Share of answered pages that were block/challenge pages."""
        blocked = sum(v for k, v in self.counters.items() if k.startswith("block/"))
        answered = sum(v for k, v in self.counters.items()
                       if k.startswith("fetch/") and "/status/" in k)
        return round(blocked / answered, 4) if answered else None

    @property
    def list_pages(self) -> int:
        return sum(o.pages for o in self.lists)

    @property
    def discovered(self) -> int:
        return sum(o.new for o in self.lists)

    @property
    def outcome(self) -> str:
        if self.cooling_since_start:
            return "skipped"
        read_any = any(o.pages for o in self.lists)
        errors = self.abandoned or any(o.error for o in self.lists)
        if errors and not read_any and not self.fetched:
            return "failed"
        if errors or self.failed:
            return "partial"
        return "ok"

    @property
    def error(self) -> str | None:
        return self.abandoned or self.first_error

    def note_error(self, detail: str) -> None:
        if self.first_error is None:
            self.first_error = detail

    def line(self, verb: str = "fetched") -> str:
        """`verb`: what `fetched` counts in this command (read from the archive, ...)."""
        if self.cooling_since_start:
            return (f"{self.site} skipped: cooling down until {_when(self.cooling_until)} after "
                    f"a challenge or risk page; nothing fetched from its hosts, "
                    f"{self.pending} pending")
        text = (f"{self.site} {self.outcome}: {self.new} new, {self.updated} updated, "
                f"{self.fetched} {verb}, {self.failed} failed, {self.skipped} skipped, "
                f"{self.pending} pending")
        refused = self.counters["block/article"]
        if refused:
            text += (f"; {refused} page(s) refused ({self.counters['refused/feed']} stored "
                     "from feed text)")
        if self.cooling_until is not None:
            text += f"; cooling down until {_when(self.cooling_until)}"
        untried = self.counters["untried/feed"]
        if untried:
            text += f"; {untried} page(s) not tried, stored from feed text"
        cut = [o.name for o in self.lists if o.cut]
        if cut:
            text += f"; depth bound cut {', '.join(cut)}"
        gaps = [o.name for o in self.lists if o.gap]
        if gaps:
            text += (f"; possible gap in {', '.join(gaps)} (status --check fails until a "
                     "later run or a backfill reaches back over it)")
        closed = [o.name for o in self.lists if o.closes_gap]
        if closed:
            text += f"; gap closed in {', '.join(closed)}"
        still = [o.name for o in self.lists
                 if o.gap_run is not None and not o.closes_gap and not o.gap]
        if still:
            text += f"; gap of an earlier run still open in {', '.join(still)}"
        if self.error:
            text += f"; error: {self.error}"
        return text

    def row(self) -> dict:
        """The run_sites row."""
        return {"site": self.site, "outcome": self.outcome, "error": self.error,
                "list_pages": self.list_pages, "discovered": self.discovered,
                "fetched": self.fetched, "new": self.new, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped, "failed": self.failed,
                "pending": self.pending, "depth_cut": [o.name for o in self.lists if o.cut],
                "block_rate": self.block_rate, "lists": [o.row() for o in self.lists]}


# What `fetched` counts, per command: pages read from the network, from WARC files given
# to import-warc, or articles read again from the archive by reextract.
VERBS = {"crawl": "fetched", "import-warc": "read from WARC", "reextract": "re-extracted"}


FINE = frozenset({"ok", "skipped"})  # a site cooling down is skipped, not failed


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class RunReport:
    run_id: int
    sites: list[SiteReport]
    seconds: float = 0.0
    interrupted: bool = False
    command: str = "crawl"
    problems: list[str] = field(default_factory=list)  # beyond any one site (a bad file)
    spooled: str | None = None  # where the work waits when the warehouse was busy
    error: str | None = None         # what stopped the run: its first line...
    error_detail: str | None = None  # ...and its whole text (a traceback for a bug)
    error_exit: int = 1              # the exit code that error means (74: a write failed)
    recorded: bool = True            # False when even recording the outcome failed

    def fail(self, error: str, detail: str, exit_code: int) -> None:
        """Record what stopped the run (the first failure wins)."""
        if self.error is None:
            self.error, self.error_detail, self.error_exit = error, detail, exit_code

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error_exit
        clean = not self.interrupted and not self.problems
        return 0 if clean and all(s.outcome in FINE for s in self.sites) else 1

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "failed"
        if self.interrupted:
            return "interrupted"
        outcomes = {s.outcome for s in self.sites}
        if outcomes <= FINE and not self.problems:
            return "ok"
        return "failed" if outcomes == {"failed"} else "partial"

    @property
    def summary(self) -> str:
        parts = [self.site_line(s) for s in self.sites] or ["no site enabled"]
        parts += self.problems
        if self.error:
            parts.append(f"stopped: {self.error}")
        if self.spooled:
            parts.append(f"the warehouse was busy: work kept in {self.spooled}, merged by "
                         "the next run")
        return (f"newsvault {self.command} {self.outcome}: " + " | ".join(parts)
                + f" | {self.seconds:.1f} s, exit {self.exit_code}")

    def site_line(self, site: SiteReport) -> str:
        return site.line(VERBS.get(self.command, "fetched"))

    def progress(self) -> str:
        """The counts so far, for `newsvault status` while the run goes on."""
        verb = VERBS.get(self.command, "fetched")
        return " | ".join(f"{s.site}: {s.new} new, {s.updated} updated, {s.fetched} {verb}, "
                          f"{s.failed} failed" for s in self.sites)

    def counters(self) -> list[tuple[str, str, int]]:
        return [(s.site, key, value) for s in self.sites
                for key, value in sorted(s.counters.items()) if not key.startswith("_")]
