"""Discovery: read a site's lists back until they reach items the warehouse already has.

A list is read page by page.  Each page's new items join the frontier at once (so a
run killed after discovery loses nothing), and paging stops when

    the page's oldest item is already known      the overlap with the last run: done
    the list has no next page                    the end of what the site offers
    max_pages pages were read                    the bound: reported as `cut`

so a site that publishes more than a page between two cron runs loses no article as
long as max_pages covers the burst, and the summary says when it did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .decode import decode
from .errors import SourceError
from .records import Fetched, Link, Request
from .settings import ListSettings
from .sources.base import ListResponse, Source

MAX_HOPS = 8  # item-less pages followed per list (a 36Kr shell, its nonce, the gateway)


class Fetch(Protocol):
    async def fetch(self, request: Request) -> Fetched: ...


class Ledger(Protocol):
    """Where discovery reads what is known and records what it found."""

    def known(self, ids: list[str]) -> set[str]: ...

    def list_seen(self, site: str, list_name: str) -> bool: ...

    def record_list_page(self, site: str, fetched: Fetched, links: list[Link]) -> None: ...


@dataclass
class ListOutcome:
    site: str
    name: str
    pages: int = 0
    items: int = 0
    new: int = 0
    reached_known: bool = False
    cut: bool = False          # stopped by max_pages with items still new
    gap: bool = False          # a list read before showed only new items and has no more
    error: str | None = None   # reason token
    detail: str = ""
    skipped: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        if self.error:
            return f"{self.name}: {self.detail or self.error}"
        text = f"{self.name}: {self.pages} page(s), {self.items} items, {self.new} new"
        if self.cut:
            text += f"; stopped at max_pages ({self.pages}) before reaching known items"
        elif self.gap:
            text += "; every item was new and the list has no older page: items may be missed"
        return text


async def discover(source: Source, lst: ListSettings, max_pages: int, fetcher: Fetch,
                   ledger: Ledger) -> ListOutcome:
    outcome = ListOutcome(source.name, lst.name)
    seen_before = ledger.list_seen(source.name, lst.name)
    request: Request | None = source.first_request(lst)
    page_no, hops = 1, 0
    while request is not None:
        fetched = await fetcher.fetch(request)
        if not fetched.ok:
            ledger.record_list_page(source.name, fetched, [])
            if page_no > 1 and fetched.status in (404, 410):
                break  # NetEase lists end with a 404 past their last page
            outcome.error, outcome.detail = fetched.error or "failed", fetched.detail
            break
        text = decode(fetched.body, fetched.content_type).text
        try:
            page = source.parse_list(ListResponse(lst, request, fetched, text, page_no))
        except SourceError as exc:
            ledger.record_list_page(source.name, fetched, [])
            outcome.error, outcome.detail = exc.reason, str(exc)
            break
        if page.hop and page.next is not None and hops < MAX_HOPS:
            ledger.record_list_page(source.name, fetched, [])
            request, hops = page.next, hops + 1
            continue
        outcome.pages += 1
        for reason, count in page.skipped.items():
            outcome.skipped[reason] = outcome.skipped.get(reason, 0) + count
        links = _unique(page.links)
        known = ledger.known([link.article_id for link in links])
        new = [link for link in links if link.article_id not in known]
        ledger.record_list_page(source.name, fetched, new)
        outcome.items += len(links)
        outcome.new += len(new)
        if not links:
            break
        if links[-1].article_id in known or not new:
            outcome.reached_known = True
            break
        if page.next is None:
            outcome.gap = seen_before
            break
        if page_no >= max_pages:
            outcome.cut = True
            break
        request, page_no = page.next, page_no + 1
    return outcome


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    kept = []
    for link in links:
        if link.article_id not in seen:
            seen.add(link.article_id)
            kept.append(link)
    return kept
