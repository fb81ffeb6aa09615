"""Which URLs of each site backfill asks the archives for, and what an archived URL is.

Each site says both (Source.archive_patterns, archive_list_kinds, archived_list).  A
pattern is a URL prefix with a trailing '*' (both archives match it against their
SURT keys, where 'www.' and the scheme do not count).  Every row an index answers is
classified by the site's own rules: an article URL (Source.identify) is an article; a
list URL (feeds, newsflash and information lists, NetEase's JSONP and rolling lists
under /special/) is read for the ids it names; anything else is skipped.
"""

from __future__ import annotations

from pipeline.sources.base import Source


def patterns(source: Source) -> tuple[str, ...]:
    """The URL prefixes backfill asks the archives for (the site's archive_patterns)."""
    return source.archive_patterns


def classify(source: Source, url: str) -> tuple[str, str | None] | None:
    """('article' | 'newsflash' | ..., article_id) for an article URL, ('list', None) for a
    list page, None for anything else."""
    ref = source.identify(url)
    if ref is not None:
        return ref.kind, ref.article_id
    return ("list", None) if source.archived_list(url) else None
