"""trafilatura in the pieces the generic path uses, over one lxml parse of the page.

`trafilatura.bare_extraction(with_metadata=True)` parses the page, reads every metadata
field (sitename, categories, licence and a full htmldate run included) and then the
body.  The generic path needs less, and some of it only sometimes:

    Traf(page).meta       title, author, description, tags: the same rules as
                          trafilatura's extract_metadata (meta tags, JSON-LD, <h1>/<title>,
                          author XPaths), without the fields nobody reads
    Traf(page).body()     the body text (fast mode: no readability/justext comparison,
                          unless asked); called only when density lines need a vote
    Traf(page).date()     htmldate on markup only (original date), only when the page's
                          own meta tags, dateline and URL named no time

The lxml tree is parsed once and shared; the body run works on trafilatura's own copy
of it.  The author XPaths (a deep copy of the page and three regex XPaths) run only when
the markup has an attribute those XPaths can match at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from functools import cached_property
from typing import Any

from pipeline.page.parsed import Page

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# The words trafilatura's AUTHOR_XPATHS look for in class, id, rel, itemprop,
# data-component and data-testid values (and the <author> tag): without one inside such
# an attribute, its author search finds nothing and the deep copy it starts with is saved.
_AUTHOR_WORDS = ("author", "byl", "bbl", "username", "zuozhe", "bianji", "xiaobian",
                 "submitted-by", "posted-by", "journalist-name", "channel-name", "screenname",
                 "writer")
_IN_ATTRIBUTE = re.compile(r"\b(?:class|id|rel|itemprop|data-component|data-testid)\s*=\s*"
                           r"[\"']?[^\"'<>=]*$")
BODY_OPTIONS: dict[str, Any] = {
    "include_comments": False, "include_tables": True, "include_images": False,
    "include_links": False, "with_metadata": False}


class Traf:
    """trafilatura's readings of one page, each made once and on demand."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @cached_property
    def tree(self) -> Any:
        """The page parsed by lxml the way trafilatura parses it (None: unparsable)."""
        from trafilatura.utils import load_html

        try:
            return load_html(_XML_DECL.sub("", self.page.html, count=1))
        except (ValueError, TypeError):
            return None

    @cached_property
    def meta(self) -> Any:
        """A trafilatura Document with title, author, description and tags filled as
        extract_metadata fills them (None when the page does not parse)."""
        from trafilatura import metadata as tm

        tree = self.tree
        if tree is None:
            return None
        try:
            doc = tm.examine_meta(tree)
            if doc.author and " " not in doc.author:
                doc.author = None
            with contextlib.suppress(Exception):  # trafilatura's own guard: JSON-LD bugs
                doc = tm.extract_meta_json(tree, doc)
            if not doc.title:
                doc.title = tm.extract_title(tree)
            if not doc.author and author_hint(self.page.html):
                doc.author = tm.extract_author(tree)
            if not doc.tags:
                doc.tags = tm.extract_catstags("tag", tree)
            doc.clean_and_trim()
        except (ValueError, TypeError, AttributeError):  # malformed markup it cannot walk
            return None
        return doc

    @cached_property
    def own_url(self) -> str | None:
        """The URL trafilatura's metadata holds: og:url or JSON-LD, else the canonical
        link, else the page's URL (what htmldate reads a date from)."""
        from trafilatura.metadata import extract_url

        meta = self.meta
        if meta is not None and meta.url:
            return str(meta.url)
        return extract_url(self.tree, self.page.url) if self.tree is not None else None

    def body(self, fast: bool = True) -> str:
        """trafilatura's main text of the page ('' when it finds none); `fast` skips its
        comparison with readability and justext."""
        import trafilatura

        if self.tree is None:
            return ""
        try:
            doc = trafilatura.bare_extraction(self.tree, url=self.page.url or self.own_url,
                                              fast=fast, **BODY_OPTIONS)
        except (ValueError, TypeError, AttributeError):
            return ""
        return (doc.text if doc is not None else None) or ""

    def date(self) -> str | None:
        """htmldate's guess from the markup and the URL (its text search is off)."""
        from htmldate import find_date

        if self.tree is None:
            return None
        try:
            return find_date(self.tree, url=self.own_url, **date_params())
        except (ValueError, TypeError, AttributeError):
            return None


def date_params() -> dict[str, Any]:
    """htmldate on markup only (meta, <time>, the URL): its free-text search takes dates
    from comments and copyright lines; generic_dates reads the text near the headline."""
    return {"original_date": True, "extensive_search": False,
            "max_date": dt.date.today().isoformat()}


def author_hint(html: str) -> bool:
    """Whether an author XPath of trafilatura can match: one of its words inside one of
    the attributes it tests, or an <author> element."""
    low = html.lower()
    for word in _AUTHOR_WORDS:
        start = low.find(word)
        while start >= 0:
            opening = low.rfind("<", max(0, start - 400), start)
            tag = low[opening:start] if opening >= 0 else ">"
            if ">" not in tag and ((tag == "<" and word == "author")
                                   or _IN_ATTRIBUTE.search(tag)):
                return True
            start = low.find(word, start + 1)
    return False
