"""Which URLs of each site backfill asks the archives for, and what an archived URL is.

A pattern is a URL prefix with a trailing '*' (both archives match it against their
SURT keys, where 'www.' and the scheme do not count).  Every row an index answers is
classified by the site's own rules: an article URL (Source.identify) is an article; a
list URL (feeds, newsflash and information lists, NetEase's JSONP and rolling lists
under /special/) is read for the ids it names; anything else is skipped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.sources.base import Source

PATTERNS: dict[str, tuple[str, ...]] = {
    "36kr": ("36kr.com/p/*", "m.36kr.com/p/*", "36kr.com/newsflashes*", "36kr.com/feed*",
             "36kr.com/information/*"),
    "netease": tuple(f"www.163.com/{channel}/article/*"
                     for channel in ("news", "tech", "money", "dy", "ent", "auto", "digi"))
    + tuple(f"{host}.163.com/{decade}*" for host in ("news", "tech", "money")
            for decade in ("1", "2"))  # the YY/MMDD/HH/<docid>.html pages of 2010-2029
    + tuple(f"{host}.163.com/special/*" for host in ("news", "tech", "money")),
}
LIST_KINDS = {"36kr": ("rss", "newsflashes", "information"), "netease": ("jsonp", "rolling")}


def classify(source: Source, url: str) -> tuple[str, str | None] | None:
    """('article' | 'newsflash' | ..., article_id) for an article URL, ('list', None) for a
    list page, None for anything else."""
    ref = source.identify(url)
    if ref is not None:
        return ref.kind, ref.article_id
    kind = source.list_kind_for(url)
    if kind not in LIST_KINDS.get(source.name, ()):
        return None
    path = urlsplit(url).path
    if source.name == "netease" and "/special/" not in path:
        return None
    return "list", None
