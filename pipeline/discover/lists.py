"""Discovery: read a site's lists back until each reaches items it showed before this run.

A list is read page by page.  Each page's new items join the frontier at once (so a
run killed after discovery loses nothing), what the list showed is remembered per list
(list_items), and paging stops when

    the page's oldest item is one this list showed     the overlap with its last read: done
      before this run
    the list has no next page                          the end of what the site offers
    max_pages pages were read                          the bound: reported as `cut`

"Showed before this run" is per list: items another list made known earlier in the
same run (36Kr's feed-article and web_news share their articles) do not stop it, so each
list pages back to its own overlap.  When a list read before stops without reaching its
overlap (cut by the bound, a one-page feed showing only new items, an error after the
first page) items may have been lost: the run records a possible gap for that list
(run_lists, view open_gaps), and later runs page that list back to items it showed
before the gap's run; reaching them closes the gap (so does a later backfill).  Where
the source can resume a list (`Source.cursor`/`Source.resume`: 36Kr's pageCallback,
NetEase's page numbers), a later run reads the top down to its own overlap, then goes on
where paging over the gap stopped short, with a fresh max_pages bound, so a gap deeper
than the bound closes over a few runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.core.errors import SourceError
from pipeline.core.records import Fetched, Link, Request
from pipeline.page.decode import decode
from pipeline.sources.base import ListPage, ListResponse, Source
from pipeline.sources.lists import ListSettings

MAX_HOPS = 8  # item-less pages followed per list (a 36Kr shell, its nonce, the gateway)


class Fetch(Protocol):
    async def fetch(self, request: Request) -> Fetched: ...


class Ledger(Protocol):
    """Where discovery reads what is known and records what it found."""

    run_id: int

    def known(self, ids: list[str]) -> set[str]: ...

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]: ...

    def list_seen(self, site: str, list_name: str) -> bool: ...

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None: ...

    def record_list_page(self, site: str, fetched: Fetched, links: list[Link],
                         shown: tuple[str, list[str]] | None = None) -> None: ...


@dataclass
class ListOutcome:
    site: str
    name: str
    kind: str = ""
    pages: int = 0
    items: int = 0
    new: int = 0
    reached_known: bool = False
    cut: bool = False          # stopped by max_pages before reaching known items
    gap: bool = False          # a list read before may have lost items (see the docstring)
    first_read: bool = False   # the list's first run: what lies beyond is history
    horizon_run: int = 0       # reached items the list showed before this run
    gap_run: int | None = None  # the open gap this run read back for
    resume: dict | None = None  # where paging stopped short (source.cursor)
    resumed: bool = False      # went on from where an earlier run stopped short
    error: str | None = None   # reason token
    detail: str = ""
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def closes_gap(self) -> bool:
        return self.gap_run is not None and self.reached_known

    def describe(self) -> str:
        if self.error:
            text = f"{self.name}: {self.detail or self.error}"
            return text + ("; items may be missed" if self.gap else "")
        text = f"{self.name}: {self.pages} page(s), {self.items} items, {self.new} new"
        if self.closes_gap:
            return text + f"; read back over the gap of run {self.gap_run}: closed"
        if self.gap_run is not None and not self.gap:
            return text + f"; the gap of run {self.gap_run} is still open"
        if self.cut:
            text += f"; stopped at max_pages ({self.pages}) before reaching known items"
        elif self.gap:
            text += "; every item was new and the list has no older page: items may be missed"
        return text

    def row(self) -> dict:
        """A run_lists row (without run and site)."""
        return {"list_name": self.name, "kind": self.kind, "pages": self.pages,
                "items": self.items, "new": self.new, "horizon_run": self.horizon_run,
                "reached_known": self.reached_known, "depth_cut": self.cut,
                "possible_gap": self.gap, "first_read": self.first_read,
                "error": self.error,
                "resume": json.dumps(self.resume) if self.resume is not None else None}


async def discover(source: Source, lst: ListSettings, max_pages: int, fetcher: Fetch,
                   ledger: Ledger) -> ListOutcome:
    return await _ListRead(source, lst, max_pages, ledger).run(fetcher)


class _ListRead:
    """One list read page by page: where it starts, what it records, when it stops."""

    def __init__(self, source: Source, lst: ListSettings, max_pages: int,
                 ledger: Ledger) -> None:
        self.source, self.lst, self.max_pages, self.ledger = source, lst, max_pages, ledger
        outcome = ListOutcome(source.name, lst.name, lst.kind)
        seen_before = ledger.list_seen(source.name, lst.name)
        outcome.first_read = not seen_before
        gap = ledger.open_gap(source.name, lst.name) if seen_before else None
        outcome.gap_run, self.cursor = gap if gap is not None else (None, None)
        outcome.horizon_run = outcome.gap_run if outcome.gap_run is not None else ledger.run_id
        self.outcome = outcome
        # A sample (a hot list) shows no order to page back through: all-new is no gap there.
        # Reading back for an open gap, reaching this run's own overlap is enough not to
        # record a new one (the old one stays open).
        self.can_gap = seen_before and source.complete_list(lst)
        self.reached_recent = False
        self.page_no, self.bound, self.hops = 1, max_pages, 0

    async def run(self, fetcher: Fetch) -> ListOutcome:
        request: Request | None = self.source.first_request(self.lst)
        while request is not None:
            fetched = await fetcher.fetch(request)
            page = self._parse(request, fetched)
            if page is None:
                break
            if page.hop and page.next is not None and self.hops < MAX_HOPS:
                self.ledger.record_list_page(self.source.name, fetched, [])
                request, self.hops = page.next, self.hops + 1
                continue
            links, before = self._record(fetched, page)
            request = self._next(page, links, before)
        return self.outcome

    def _gap(self) -> bool:
        return self.can_gap and not self.reached_recent

    def _parse(self, request: Request, fetched: Fetched) -> ListPage | None:
        """The page's items, or None: the list stops here (its failure recorded)."""
        if not fetched.ok:
            self.ledger.record_list_page(self.source.name, fetched, [])
            if self.page_no > 1 and fetched.status in (404, 410):
                self.outcome.gap = self._gap()
                return None  # NetEase lists end with a 404 past their last page
            self._stopped(request, fetched.error or "failed", fetched.detail)
            return None
        text = decode(fetched.body, fetched.content_type).text
        try:
            return self.source.parse_list(
                ListResponse(self.lst, request, fetched, text, self.page_no))
        except SourceError as exc:
            self.ledger.record_list_page(self.source.name, fetched, [])
            self._stopped(request, exc.reason, str(exc))
            return None

    def _stopped(self, request: Request, error: str | None, detail: str) -> None:
        outcome = self.outcome
        outcome.error, outcome.detail = error, detail
        outcome.gap = self._gap() and self.page_no > 1
        outcome.resume = self.source.cursor(request) if self.page_no > 1 else None

    def _record(self, fetched: Fetched, page: ListPage) -> tuple[list[Link], set[str]]:
        """Counts a page's items and records its new ones; returns its links and the ids
        among them this list showed before the horizon."""
        outcome, ledger, site, name = self.outcome, self.ledger, self.source.name, self.lst.name
        outcome.pages += 1
        for reason, count in page.skipped.items():
            outcome.skipped[reason] = outcome.skipped.get(reason, 0) + count
        links = _unique(page.links)
        ids = [link.article_id for link in links]
        known = ledger.known(ids)
        before = ledger.known_before(site, name, ids, outcome.horizon_run)
        if outcome.gap_run is not None and links and not self.reached_recent:
            self.reached_recent = links[-1].article_id in ledger.known_before(
                site, name, ids[-1:], ledger.run_id)
        new = [link for link in links if link.article_id not in known]
        ledger.record_list_page(site, fetched, new, (name, ids))
        outcome.items += len(links)
        outcome.new += len(new)
        return links, before

    def _next(self, page: ListPage, links: list[Link], before: set[str]) -> Request | None:
        """The next page to read, or None: the list stops here (and the outcome says why)."""
        outcome = self.outcome
        if not links:
            return None
        if links[-1].article_id in before:
            outcome.reached_known = True
            return None
        if self.reached_recent and self.cursor is not None:
            # Back at this run's overlap: go on where paging over the gap stopped short,
            # with a fresh bound, instead of reading the last runs' pages again.
            jump = self.source.resume(self.lst, self.cursor, page.next)
            self.cursor = None
            if jump is not None:
                outcome.resumed = True
                self.page_no, self.bound = self.page_no + 1, self.page_no + self.max_pages
                return jump
        if page.next is None:
            outcome.gap = self._gap()
            return None
        if self.page_no >= self.bound:
            outcome.cut = True
            outcome.gap = self._gap()
            outcome.resume = self.source.cursor(page.next)
            return None
        self.page_no += 1
        return page.next


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    kept = []
    for link in links:
        if link.article_id not in seen:
            seen.add(link.article_id)
            kept.append(link)
    return kept
