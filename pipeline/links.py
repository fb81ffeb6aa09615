"""`links`: the article links a saved list or feed page yields, by the site's own parser."""

from __future__ import annotations

from .decode import decode
from .errors import SourceError, UsageError
from .records import Fetched, Link
from .settings import ListSettings
from .sources import registry
from .sources.base import ListResponse, anchor_links


def links(data: bytes, url: str) -> list[Link]:
    """Items of a saved list page of a known site (feed, JSONP list, SSR page, HTML)."""
    source = registry.for_url(url)
    if source is None:
        domains = [d for name in registry.names() for d in registry.get(name).domains]
        raise UsageError(f"--url {url} is not on a known site ({', '.join(domains)})")
    text = decode(data).text
    kind = source.list_kind_for(url)
    if kind in source.list_kinds:
        lst = ListSettings(name="file", kind=kind, url=url)
        fetched = Fetched(url=url, status=200, body=data)
        try:
            page = source.parse_list(ListResponse(lst, source.first_request(lst), fetched, text))
        except SourceError:
            pass
        else:
            if page.links:
                return page.links
    return anchor_links(source, text, url, None)
