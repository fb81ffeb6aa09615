"""A page's visible text cut into segments, each owned by the block element holding it.

One walk over a lexbor tree: text between two block boundaries (<p>, <div>, <td>, <br>
splits lines but not segments) becomes a `Segment` whose `owner` is the nearest
block element, with the characters that sat inside links counted apart.  The density
extractor scores containers from these segments and reads the winner back from them,
so the tree is walked once and never changed.

With `strip_unlikely`, elements whose class, id or role say navigation, comments,
sidebars, headers or footers are skipped with their subtree (readability's "unlikely
candidates", plus the pinyin names Chinese sites use for the same blocks).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "button", "select", "textarea", "svg",
    "template", "object", "embed", "video", "audio", "canvas", "map", "head", "input",
})
BREAKS = re.compile(r"[\r\n\t]+")  # in markup text, a line break is a space
UNLIKELY = re.compile(
    r"-ad-|banner|breadcrumb|combx|comment|community|disqus|extra|footer|header|menu|"
    r"related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|"
    r"ad-break|agegate|pagination|pager|popup|pinglun|xiangguan|tuijian|daohang|"
    r"copyright|login", re.I)
MAYBE = re.compile(r"and|article|body|column|content|main|shadow|text|zhengwen", re.I)
UNLIKELY_ROLES = frozenset({"menu", "menubar", "complementary", "navigation", "alert",
                            "alertdialog", "dialog"})
NEVER_UNLIKELY = frozenset({"html", "body", "article", "main"})


def visible_size(text: str) -> int:
    """Characters that are not whitespace."""
    return len("".join(text.split()))


@dataclass
class Segment:
    """Visible text between two block boundaries, and the block element holding it."""

    owner: LexborNode
    text: str
    link_chars: int
    size: int


@dataclass
class _Walk:
    strip_unlikely: bool
    found: list[Segment] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    in_link: int = 0
    with_blocks: set[int] = field(default_factory=set)

    def add(self, text: str) -> None:
        self.parts.append(text)
        if self.in_link:
            self.link_chars += visible_size(text)

    def flush(self, owner: LexborNode) -> None:
        text = "".join(self.parts)
        size = visible_size(text)
        if size:
            self.found.append(Segment(owner, text, min(self.link_chars, size), size))
        self.parts, self.link_chars = [], 0


def segments(root: LexborNode, strip_unlikely: bool = True
             ) -> tuple[list[Segment], set[int]]:
    """The text segments under `root` in page order, and the `mem_id`s of the elements
    that have block-level children (their loose text is not a paragraph of its own)."""
    walk = _Walk(strip_unlikely)
    _walk(root, root, walk)
    walk.flush(root)
    return walk.found, walk.with_blocks


def _walk(node: LexborNode, owner: LexborNode, walk: _Walk) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":  # a line break in the markup is only a space
            walk.add(BREAKS.sub(" ", child.text(deep=False) or ""))
        elif tag == "br":
            walk.add("\n")
        elif _skipped(child, tag, walk.strip_unlikely):
            continue
        elif tag in BLOCK_TAGS:
            walk.with_blocks.add(owner.mem_id)
            walk.flush(owner)
            _walk(child, child, walk)
            walk.flush(child)
        elif tag == "a":
            walk.in_link += 1
            _walk(child, owner, walk)
            walk.in_link -= 1
        else:
            _walk(child, owner, walk)


def _skipped(node: LexborNode, tag: str | None, strip_unlikely: bool) -> bool:
    if tag is None or tag[0] == "-" or tag in SKIP_TAGS:
        return True
    return strip_unlikely and unlikely(node)


def unlikely(node: LexborNode) -> bool:
    """Navigation, comments, sidebars...: by class, id or role (see the module doc)."""
    if node.tag in NEVER_UNLIKELY:
        return False
    attrs = node.attributes
    if attrs.get("role") in UNLIKELY_ROLES:
        return True
    names = " ".join(filter(None, (attrs.get("class"), attrs.get("id"))))
    return bool(names) and unlikely_names(names)


@functools.lru_cache(maxsize=4096)
def unlikely_names(names: str) -> bool:
    """The class/id test of `unlikely`, once per distinct class and id string (a page
    repeats the same few hundred)."""
    return UNLIKELY.search(names) is not None and MAYBE.search(names) is None
