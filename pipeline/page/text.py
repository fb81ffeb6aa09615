"""Turning a body container into paragraphs, with selectolax (lexbor) only.

`node_text` reads a container's segments (segments.py): each block element (p, div, li,
h*, td...) starts a new line, <br> breaks a line, a line break inside the markup is only
a space, scripts and form controls are skipped.  Site readers remove their noise nodes
first (`remove`, `decompose_all`), then read what is left; no second extractor runs on
a known layout, which keeps a known page at a few milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.page.segments import segments

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u200b\ufeff]+")


def node_text(node: LexborNode) -> str:
    """The visible text of a node, one line per block, whitespace tidied."""
    found, _ = segments(node, strip_unlikely=False)
    return tidy_lines("\n".join(seg.text for seg in found).split("\n"))


def squash(text: str) -> str:
    """The text without any whitespace (to compare what two extractors kept)."""
    return "".join(text.split())


def tidy_lines(lines: Iterable[str]) -> str:
    """Strip each line, fold runs of spaces, drop empty lines, join with newlines."""
    kept = []
    for line in lines:
        line = _SPACES.sub(" ", line).strip()
        if line:
            kept.append(line)
    return "\n".join(kept)


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment (e.g. a body held in JSON), one line per block."""
    if not fragment or not fragment.strip():
        return ""
    tree = LexborHTMLParser(f"<div>{fragment}</div>")
    root = tree.css_first("body") or tree.root
    return node_text(root) if root is not None else ""


def remove(node: LexborNode, selectors: Iterable[str]) -> None:
    """Remove every descendant matching any selector (in place)."""
    decompose_all([hit for selector in selectors for hit in node.css(selector)])


def decompose_all(nodes: Iterable[LexborNode]) -> None:
    """Remove nodes from their tree; a node inside another one removed goes with it
    (it is never touched once its ancestor is freed)."""
    for node in outermost(nodes):
        node.decompose()


def outermost(nodes: Iterable[LexborNode]) -> list[LexborNode]:
    """The nodes that are not inside another of the nodes, in their order."""
    marked = {n.mem_id: n for n in nodes}
    found = []
    for node in marked.values():
        parent = node.parent
        while parent is not None and parent.mem_id not in marked:
            parent = parent.parent
        if parent is None:
            found.append(node)
    return found
