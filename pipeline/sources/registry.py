"""The sites newsvault knows, by name and by host. A new site is one module added here."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from .base import Source
from .kr36 import Kr36
from .netease import NetEase


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
