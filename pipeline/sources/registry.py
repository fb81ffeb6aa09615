"""The sites newsvault knows, by name and by host.

A site is a sub-package of pipeline/sources/ (its defaults.py, its site.py with the
`Source`) and one line in SITES; docs/adding-a-site.md walks through adding one.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from urllib.parse import urlsplit

from pipeline.page.parsed import Page
from pipeline.sources.base import Source

# One line per site: "<module>:<Source class>".  A page whose URL is no site's is offered
# to the sites in this order (`for_page`).
SITES: tuple[str, ...] = (
    "pipeline.sources.kr36.site:Kr36",
    "pipeline.sources.netease.site:NetEase",
)


@cache
def _sources() -> dict[str, Source]:
    return {source.name: source for source in map(_load, SITES)}


def _load(entry: str) -> Source:
    module, _, cls = entry.partition(":")
    return getattr(import_module(module), cls)()


def names() -> list[str]:
    return list(_sources())


def get(name: str) -> Source:
    try:
        return _sources()[name]
    except KeyError:
        raise KeyError(f"unknown site {name!r}; known: {', '.join(_sources())}") from None


def for_host(host: str | None) -> Source | None:
    for source in _sources().values():
        if source.owns_host(host):
            return source
    return None


def for_url(url: str | None) -> Source | None:
    return for_host(urlsplit(url).hostname) if url else None


def for_page(page: Page) -> Source | None:
    """The site of a page: by its URL, else by what the page says about itself."""
    by_url = for_url(page.url)
    if by_url is not None:
        return by_url
    return next((source for source in _sources().values() if source.claims(page)), None)
