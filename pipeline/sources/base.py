"""The small interface every site implements, and the helpers the sites share.

A source answers five questions about its site:

    which lists to read, and how to page them     default_lists, first_request, parse_list
    is this URL one of my articles, and its id    identify (-> ArticleRef)
    is this page (URL unknown) one of mine        claims (its canonical URL, its signature)
    how to read one of my article pages           extract (-> Article, or None: generic)
    is this response a block page                 blocked

It never fetches anything itself: requests are data (records.Request), so discovery,
tests and the `links` command all drive the same parser.  Its defaults (whether it is
crawled, its politeness, its lists) live in its package's defaults.py; a config file only
overrides them.  docs/adding-a-site.md walks through adding one.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Fetched, Link, Request
from pipeline.page.parsed import Page
from pipeline.sources.lists import ListSettings


@dataclass(frozen=True)
class ArticleRef:
    """What a URL is on its site: a stable id and the canonical URL."""

    article_id: str
    canonical_url: str
    kind: str = "article"  # article | newsflash | photoview | video


@dataclass
class ListPage:
    """The items of one list page and the request for the next page (None: the end)."""

    links: list[Link]
    next: Request | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    # a page with no items that says where they are (a 36Kr shell: its nonce leads to
    # the gateway); discovery follows `next` without counting a page
    hop: bool = False


@dataclass
class ListResponse:
    """A fetched list page with what produced it: the list, the request, the page number."""

    lst: ListSettings
    request: Request
    fetched: Fetched
    text: str
    page_no: int = 1


class Source(ABC):
    """A site. Subclasses set the class attributes and implement the methods."""

    name: str = ""
    domains: tuple[str, ...] = ()        # registrable domains; their subdomains belong too
    list_kinds: tuple[str, ...] = ()
    default_max_pages: int = 5
    # The site's defaults live in its package (its defaults module); a config file only
    # overrides them.  A site is crawled by default only when it says so: a newly added
    # site stays off until `sites.<name>.enabled = true` (or `crawl --site <name>`).
    enabled_by_default: bool = False
    # SiteSettings this site defaults to otherwise (e.g. slower spacing); config wins
    site_defaults: Mapping[str, Any] = MappingProxyType({})
    # What `newsvault backfill` asks the web archives for: URL prefixes with a trailing
    # '*' (matched against SURT keys, where 'www.' and the scheme do not count), and the
    # list kinds whose archived pages are read for the ids they name.
    archive_patterns: tuple[str, ...] = ()
    archive_list_kinds: tuple[str, ...] = ()

    def owns_host(self, host: str | None) -> bool:
        host = (host or "").lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def owns(self, url: str) -> bool:
        return self.owns_host(urlsplit(url).hostname)

    @abstractmethod
    def default_lists(self) -> tuple[ListSettings, ...]:
        """The lists read when the config names none (setting `lists` replaces them)."""

    @abstractmethod
    def identify(self, url: str) -> ArticleRef | None:
        """The id and canonical URL of an article URL of this site; None otherwise."""

    @abstractmethod
    def list_kind_for(self, url: str) -> str | None:
        """Which list kind a list URL of this site is (for `newsvault links`)."""

    def archived_list(self, url: str) -> bool:
        """Whether an archived URL (not an article) is a list page to read for its ids."""
        return self.list_kind_for(url) in self.archive_list_kinds

    def first_request(self, lst: ListSettings) -> Request:
        return Request(lst.url, purpose="list")

    def cursor(self, request: Request | None) -> dict | None:
        """Where a list's next-page request points, as plain JSON data, so a later run
        can go on from there (None: this source cannot resume its lists)."""
        return None

    def resume(self, lst: ListSettings, cursor: dict, fresh: Request | None) -> Request | None:
        """The request for the page at `cursor`; `fresh` is this run's latest next-page
        request (its state may carry what a request needs now, such as a nonce)."""
        return None

    def complete_list(self, lst: ListSettings) -> bool:
        """Whether the list shows everything in its order (newest first), so that a page
        of new items only may mean items were missed; False for a sample (a hot list)."""
        return True

    @abstractmethod
    def parse_list(self, got: ListResponse) -> ListPage:
        """Items of a fetched list page. Raises SourceError when the structure is gone."""

    def claims(self, page: Page) -> bool:
        """Whether a page fetched from an unknown URL is one of this site's: its own
        canonical URL says so (sites add their page signatures)."""
        own = page.own_url
        return bool(own) and self.owns(own)

    @abstractmethod
    def extract(self, page: Page) -> Article | None:
        """Read one of this site's article pages; None hands it to the generic extractor."""

    def blocked(self, text: str) -> str | None:
        """A reason when `text` is a block/challenge page instead of content."""
        return None

    def feed_article(self, url: str, feed: dict[str, Any], why: str) -> Article | None:
        """The article a feed item's full text makes (status 'feed'), for a refused page;
        `feed` holds url, title, published_at, content (HTML), capture_id, list_name."""
        return None

    def item_url(self, item: dict[str, Any], key: str, base: str) -> str | None:
        """The article URL of one object of a list page's JSON data (`key` is the name
        it sits under), or None: the first URL-like field that is one of this site's
        articles.  Sites add their id and route fields (embedded.data_links)."""
        for name in ITEM_URL_KEYS:
            value = item.get(name)
            if isinstance(value, str) and value.strip() \
                    and self.identify(urljoin(base, value.strip())) is not None:
                return value.strip()
        return None

    # shared helpers ------------------------------------------------------------------

    def link(self, url: str, lst: ListSettings | None, **fields: Any) -> Link | None:
        ref = self.identify(url)
        if ref is None:
            return None
        return Link(url=url, article_id=ref.article_id, site=self.name, kind=ref.kind,
                    list_name=lst.name if lst else "", **fields)


ITEM_URL_KEYS = ("url", "docurl", "link", "l", "href", "url_3w", "url3w", "skipURL",
                 "shareUrl", "share_url", "articleUrl", "article_url", "pcUrl", "wapUrl")
RISK_MARKERS = re.compile(r"captcha|访问过于频繁|请求过于频繁|安全验证|人机验证|verifycenter|"
                          r"滑动验证|请完成验证", re.I)


def risk_page(text: str, content_markers: tuple[str, ...], limit: int = 30_000) -> bool:
    """A small page that shows a captcha or rate warning and none of the content markers:
    a block page, not content (a long article may mention 安全验证 in passing)."""
    return (len(text) < limit and not any(m in text for m in content_markers)
            and RISK_MARKERS.search(text) is not None)


_JS_ASSIGN = r"(?:window\.)?{name}\s*=\s*"


def js_value(text: str, name: str) -> Any:
    """The JSON value assigned to `name` in a script (`window.name = {...}`), or None.

    Exactly one JSON value is decoded from after the `=`, so what follows it in the
    same script (another assignment) does no harm.
    """
    pattern = re.compile(_JS_ASSIGN.format(name=re.escape(name)))
    decoder = json.JSONDecoder()
    for match in pattern.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        return value
    return None


def dig(data: Any, *path: str | int) -> Any:
    """data[path[0]][path[1]]... or None when any step is missing."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)  # type: ignore[arg-type]
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def require(value: Any, what: str, site: str, url: str) -> Any:
    if value is None:
        raise SourceError(f"{site}: {url} has no {what}; the site may have changed its "
                          "template (update pipeline/sources or the list config)")
    return value


def absolute(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def anchor_links(source: Source, html: str, base: str,
                 lst: ListSettings | None) -> list[Link]:
    """The site's article links among an HTML page's anchors, in page order, once each."""
    seen: set[str] = set()
    found = []
    for anchor in LexborHTMLParser(html).css("a[href]"):
        href = anchor.attributes.get("href") or ""
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        text = " ".join(anchor.text(separator=" ").split())
        link = source.link(absolute(base, href), lst,
                           title=text or anchor.attributes.get("title") or None)
        if link is None or link.article_id in seen:
            continue
        seen.add(link.article_id)
        found.append(link)
    return found
