"""The sites newsvault knows, by name and by host. A new site is one module added here."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from pipeline.page.parsed import Page
from pipeline.sources.base import Source
from pipeline.sources.kr36.site import Kr36
from pipeline.sources.netease.site import NetEase


@cache
def _sources() -> dict[str, Source]:
    return {source.name: source for source in (Kr36(), NetEase())}


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
