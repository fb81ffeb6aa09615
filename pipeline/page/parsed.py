"""A decoded page on its way through extraction, parsed once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.page.decode import Decoded


@dataclass
class Page:
    """A decoded page on its way through extraction; parsed once, on first use."""

    url: str | None
    html: str
    decoded: Decoded | None = None

    @cached_property
    def tree(self) -> LexborHTMLParser:
        return LexborHTMLParser(self.html)

    def css_first(self, selector: str) -> LexborNode | None:
        return self.tree.css_first(selector)

    @cached_property
    def metas(self) -> dict[str, str]:
        """<meta property=|name=|itemprop=> -> content, keys lower-cased, first one wins."""
        found: dict[str, str] = {}
        for node in self.tree.css("meta"):
            attrs = node.attributes
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
            value = attrs.get("content") or attrs.get("value")  # some savers rewrite it
            if key and value and value.strip():
                found.setdefault(key.strip().lower(), value.strip())
        return found

    def meta(self, *names: str) -> str | None:
        """Content of the first <meta> among `names` (name, property or itemprop)."""
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    @cached_property
    def text(self) -> str | None:
        """The <body>'s text on one line, whitespace folded (None without a <body>)."""
        body = self.tree.body
        return " ".join(body.text(separator=" ").split()) if body is not None else None

    @cached_property
    def title_tag(self) -> str | None:
        """The <title> text, whitespace folded (site suffix and all)."""
        node = self.tree.css_first("title")
        text = " ".join((node.text() or "").split()) if node is not None else ""
        return text or None

    @cached_property
    def own_url(self) -> str | None:
        """The URL the page gives itself: link[rel=canonical], else og:url."""
        return self.link_rel("canonical") or self.meta("og:url")

    def link_rel(self, rel: str) -> str | None:
        node = self.tree.css_first(f'link[rel="{rel}"]')
        href = node.attributes.get("href") if node is not None else None
        return urljoin(self.url or "", href.strip()) if href else None
