"""`links`: the article links a saved list page yields, whatever its site's era.

The site's own list reader goes first (the kind its URL names: feed, JSONP list, SSR
page, gateway answer).  When it reads nothing, the page is read by shape
(sources/embedded.py): a feed's entries, else the items of the JSON data the page
carries (API answers, JSONP, `var props`, `window.initialState`,
`window.__INITIAL_STATE__`) together with the site's article anchors.
"""

from __future__ import annotations

from pipeline.core.errors import SourceError, UsageError
from pipeline.core.records import Fetched, Link
from pipeline.page.decode import decode
from pipeline.sources import registry
from pipeline.sources.base import ListResponse, Source, anchor_links
from pipeline.sources.embedded import data_links, feed_links
from pipeline.sources.lists import ListSettings


def links(data: bytes, url: str) -> list[Link]:
    """Items of a saved list page of a known site (feed, JSONP list, SSR page, HTML)."""
    source = registry.for_url(url)
    if source is None:
        domains = [d for name in registry.names() for d in registry.get(name).domains]
        raise UsageError(f"--url {url} is not on a known site ({', '.join(domains)})")
    text = decode(data).text
    found = _by_site_reader(source, data, text, url)
    if found:
        return found
    from_feed = feed_links(source, text)
    if from_feed is not None:
        return from_feed
    return _merged(data_links(source, text, url), anchor_links(source, text, url, None))


def _by_site_reader(source: Source, data: bytes, text: str, url: str) -> list[Link]:
    kind = source.list_kind_for(url)
    if kind not in source.list_kinds or kind == "html":
        return []
    lst = ListSettings(name="file", kind=kind, url=url)
    fetched = Fetched(url=url, status=200, body=data)
    try:
        return source.parse_list(ListResponse(lst, source.first_request(lst), fetched,
                                              text)).links
    except SourceError:
        return []


def _merged(*groups: list[Link]) -> list[Link]:
    """The links of every group in order, each article once (the first one wins)."""
    seen: set[str] = set()
    merged = []
    for group in groups:
        for link in group:
            if link.article_id not in seen:
                seen.add(link.article_id)
                merged.append(link)
    return merged
