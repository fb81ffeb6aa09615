"""Pages of unknown layout: trafilatura on the whole (already decoded) page."""

from __future__ import annotations

import re

from ..records import Article
from ..sources.base import Page
from .clean import drop_noise_lines
from .dates import parse_time
from .text import tidy_lines

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
EXTRACTOR = "generic:trafilatura"


def extract_generic(page: Page) -> Article:
    import trafilatura

    html = _XML_DECL.sub("", page.html, count=1)  # lxml refuses str with an encoding decl
    doc = trafilatura.bare_extraction(
        html, url=page.url, with_metadata=True, include_comments=False,
        include_tables=True, include_images=False, include_links=False, deduplicate=False,
    )
    article = Article(url=page.url, extractor=EXTRACTOR)
    if doc is None:
        return article
    body = tidy_lines((doc.text or "").split("\n"))
    article.body, _ = drop_noise_lines(body)
    article.title = doc.title or None
    article.author = doc.author or None
    article.summary = doc.description or None
    article.tags = [t for t in (doc.tags or []) if t]
    published = page.meta("article:published_time", "og:release_date", "pubdate",
                          "publishdate", "PubDate")
    article.published_at = parse_time(published) or parse_time(doc.date)
    for name in ("title", "author", "summary", "tags", "body"):
        if getattr(article, name):
            article.provenance[name] = "trafilatura"
    if article.published_at:
        article.provenance["published_at"] = "meta" if published else "trafilatura"
    return article
