"""Main text by text density: find the element that holds the story, keep its prose.

The idea is readability's (score paragraphs, credit their containers, penalise links),
written for Chinese pages over the segments of `segments.py`:

1. Every paragraph segment of 25 or more visible characters credits its container
   (parent, and half to the grandparent; loose text in a container credits the
   container itself) with 1 + its clause marks (，。；、… count like commas) + length/100
   (at most 3).
2. A container's score is scaled by 1 - its link density and shifted by its class/id
   ("content", "article" up; "comment", "footer", "related" down).  The best container
   wins; it moves up to a common ancestor when three runners-up share one, or when the
   scores rise going up (a story split into several blocks).
3. Siblings that score close to the winner join it, as do paragraph-like siblings with
   little link text, and "kin": blocks of the same tag and class nearby that score as
   well.
4. The text is read back segment by segment, leaving out sub-containers that are mostly
   links or marked as boilerplate, and segments that are links.

A first pass leaves "unlikely" elements out (navigation, comments...); when it finds
little text a second pass keeps them.  No site is named anywhere here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.page.segments import Segment, segments

CLAUSE_MARKS = re.compile(r"[，。；：！？、,;!?]|\.(?=\s)")
POSITIVE = re.compile(r"article|body|content|entry|main|page|post|text|blog|story|detail|"
                      r"zhengwen|neirong|wenzhang", re.I)
NEGATIVE = re.compile(r"comment|combx|com-|contact|foot|footer|footnote|masthead|meta|"
                      r"outbrain|promo|related|scroll|shoutbox|sidebar|sponsor|shopping|"
                      r"tags|tool|widget|share|recommend|hot|rank|nav|menu|banner|"
                      r"copyright|breadcrumb|crumb|pager|pagination|login|advert|ad-|"
                      r"-ad\b|\bad\b|gg\d|guanggao|tuijian|xiangguan|paihang|links?\b",
                      re.I)
CONTAINER_TAGS = frozenset({"div", "ul", "ol", "table", "section", "dl", "form", "aside",
                            "nav", "footer", "header", "tbody", "tr", "center"})
SCORED_OWNERS = frozenset({"p", "pre", "td", "div", "section", "article", "main", "center",
                           "font", "span", "blockquote", "body"})
MIN_SEGMENT = 25
MIN_TEXT = 250  # below this, the first pass is retried with "unlikely" elements kept


@dataclass
class Stats:
    """Text totals of one element's subtree, and its score as a container."""

    node: LexborNode
    chars: int = 0
    link_chars: int = 0
    marks: int = 0
    score: float = 0.0
    scored: bool = False

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def final(self) -> float:
        return self.score * (1 - self.link_density)


Table = dict[int, Stats]


def main_text(tree: LexborHTMLParser) -> list[str]:
    """The lines of the page's main text; [] when no container stands out."""
    root = tree.body or tree.root
    if root is None:
        return []
    found: list[str] = []
    for strip_unlikely in (True, False):
        lines = _attempt(root, strip_unlikely)
        size = sum(len(line.strip()) for line in lines)
        if size >= MIN_TEXT:
            return lines
        if size > sum(len(line.strip()) for line in found):
            found = lines
    return found


def _attempt(root: LexborNode, strip_unlikely: bool) -> list[str]:
    segs, with_blocks = segments(root, strip_unlikely)
    table = totals(segs, root)
    score(segs, with_blocks, table)
    top = best(table)
    if top is None:
        return []
    return text_of(chosen(top, table, with_blocks), segs, table)


# ------------------------------------------------------------------------- scoring

def totals(segs: list[Segment], root: LexborNode) -> Table:
    """Visible chars, link chars and clause marks of every element's subtree."""
    table: Table = {}
    stop = root.mem_id
    for seg in segs:
        marks = len(CLAUSE_MARKS.findall(seg.text))
        node: LexborNode | None = seg.owner
        while node is not None:
            entry = _entry(table, node)
            entry.chars += seg.size
            entry.link_chars += seg.link_chars
            entry.marks += marks
            if node.mem_id == stop:
                break
            node = node.parent
    return table


def _entry(table: Table, node: LexborNode) -> Stats:
    entry = table.get(node.mem_id)
    if entry is None:
        entry = table[node.mem_id] = Stats(node)
    return entry


def score(segs: list[Segment], with_blocks: set[int], table: Table) -> None:
    """Credit containers for the paragraphs they hold (step 1 of the module doc)."""
    for seg in segs:
        owner = seg.owner
        if seg.size < MIN_SEGMENT or seg.link_chars * 2 > seg.size \
                or owner.tag not in SCORED_OWNERS:
            continue
        points = 1 + len(CLAUSE_MARKS.findall(seg.text)) + min(seg.size / 100, 3)
        if owner.mem_id in with_blocks:  # loose text in a container: credit it directly
            _credit(table, owner, points)
            _credit(table, owner.parent, points / 2)
        else:
            parent = owner.parent
            _credit(table, parent, points)
            _credit(table, parent.parent if parent is not None else None, points / 2)


def _credit(table: Table, node: LexborNode | None, amount: float) -> None:
    if node is None or node.tag in (None, "html", "#document"):
        return
    entry = _entry(table, node)
    if not entry.scored:
        entry.scored = True
        entry.score += class_weight(node) + _tag_weight(node.tag or "")
    entry.score += amount


def class_weight(node: LexborNode) -> int:
    """+25 for a content-like class/id, -25 for a boilerplate-like one (both: 0)."""
    attrs = node.attributes
    names = " ".join(filter(None, (attrs.get("class"), attrs.get("id"))))
    return _names_weight(names) if names else 0


@functools.lru_cache(maxsize=4096)
def _names_weight(names: str) -> int:
    return (25 if POSITIVE.search(names) else 0) - (25 if NEGATIVE.search(names) else 0)


def _tag_weight(tag: str) -> int:
    if tag in ("div", "article", "section", "main"):
        return 5
    if tag in ("pre", "td", "blockquote"):
        return 3
    if tag in ("address", "ol", "ul", "dl", "dd", "dt", "li", "form"):
        return -3
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "th"):
        return -5
    return 0


# ----------------------------------------------------------------------- selection

def best(table: Table) -> Stats | None:
    """The top container (step 2 of the module doc)."""
    ranked = sorted((e for e in table.values() if e.scored), key=lambda e: e.final,
                    reverse=True)
    if not ranked:
        return None
    top = ranked[0]
    return _shared_ancestor(top, ranked[1:5], table) or _climb(top, table)


def _shared_ancestor(top: Stats, others: list[Stats], table: Table) -> Stats | None:
    close = [o for o in others if o.final >= 0.75 * top.final]
    if len(close) < 3:
        return None
    lines = [_ancestors(o.node) for o in close]
    node = top.node.parent
    while node is not None and node.tag not in ("body", "html"):
        if sum(node.mem_id in line for line in lines) >= 3:
            return _entry(table, node)
        node = node.parent
    return None


def _climb(top: Stats, table: Table) -> Stats:
    last = top.final
    node = top.node.parent
    while node is not None and node.tag not in ("body", "html"):
        entry = table.get(node.mem_id)
        if entry is not None and entry.scored:
            if entry.final < top.final / 3:
                break
            if entry.final > last:
                return entry
            last = entry.final
        node = node.parent
    return top


def _ancestors(node: LexborNode, limit: int = 1000) -> set[int]:
    found: set[int] = set()
    current = node.parent
    while current is not None and len(found) < limit:
        found.add(current.mem_id)
        current = current.parent
    return found


def chosen(top: Stats, table: Table, with_blocks: set[int]) -> list[LexborNode]:
    """The winner with its siblings and kin (step 3 of the module doc)."""
    threshold = max(10.0, top.final * 0.2)
    picked = [top.node]
    parent = top.node.parent
    for sibling in parent.iter(include_text=False) if parent is not None else ():
        if sibling.tag is None or sibling.tag[0] == "-" or sibling.mem_id == top.node.mem_id:
            continue
        entry = table.get(sibling.mem_id)
        if entry is not None and _joins(sibling, entry, top, threshold, with_blocks):
            picked.append(sibling)
    picked.extend(_kin(top, table, threshold))
    return picked


def _joins(sibling: LexborNode, entry: Stats, top: Stats, threshold: float,
           with_blocks: set[int]) -> bool:
    weight = class_weight(sibling)
    bonus = 0.2 * top.final if weight > 0 and weight == class_weight(top.node) else 0.0
    if entry.scored and entry.final + bonus >= threshold:
        return True
    if sibling.mem_id in with_blocks or sibling.tag not in SCORED_OWNERS:
        return False  # only a paragraph-like sibling (no blocks inside) joins by its text
    if entry.chars > 80:
        return entry.link_density < 0.25
    return entry.link_density == 0 and entry.marks > 0


def _kin(top: Stats, table: Table, threshold: float) -> list[LexborNode]:
    tokens = set((top.node.attributes.get("class") or "").split())
    if not tokens:
        return []
    near = _ancestors(top.node, limit=3)
    found = []
    for entry in table.values():
        node = entry.node
        if (entry.scored and node.tag == top.node.tag and entry.final >= threshold
                and node.mem_id != top.node.mem_id
                and tokens & set((node.attributes.get("class") or "").split())
                and near & _ancestors(node, limit=3)):
            found.append(node)
    return found


# ------------------------------------------------------------------------ read-back

def text_of(nodes: list[LexborNode], segs: list[Segment], table: Table) -> list[str]:
    """Lines of the chosen nodes' text, in page order (step 4 of the module doc)."""
    keep = {n.mem_id for n in nodes}
    verdict: dict[int, bool] = {}
    lines: list[str] = []
    for seg in segs:
        if seg.link_chars * 10 > seg.size * 6 and seg.size < 200:
            continue
        if _inside(seg.owner, keep, table, verdict):
            lines.extend(seg.text.split("\n"))
    return lines


def _inside(node: LexborNode, keep: set[int], table: Table,
            verdict: dict[int, bool]) -> bool:
    """True when `node` lies in a kept subtree and under no excluded sub-container."""
    path = []
    current: LexborNode | None = node
    result = False
    while current is not None:
        known = verdict.get(current.mem_id)
        if known is not None:
            result = known
            break
        path.append(current)
        if current.mem_id in keep:
            result = True
            break
        if _excluded(current, table):
            break
        current = current.parent
    for step in path:
        verdict[step.mem_id] = result
    return result


def _excluded(node: LexborNode, table: Table) -> bool:
    """A sub-container that is links or marked as boilerplate."""
    if node.tag not in CONTAINER_TAGS:
        return False
    entry = table.get(node.mem_id)
    if entry is None or entry.chars == 0:
        return False
    weight = class_weight(node)
    if weight < 0 and entry.marks < 10:
        return True
    if entry.link_density > 0.5:
        return True
    return entry.link_density > 0.2 and weight < 25 and entry.marks < 5
