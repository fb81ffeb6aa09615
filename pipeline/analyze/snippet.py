"""A search result's snippet: the passage of the body around the best match.

    snip = snippet(body, ["智谱", "大模型"])
    snip.text       # '…智谱今天发布了新的大模型，…'  (plain text, one line)
    snip.marks      # ((1, 3), (9, 12)): [start, end) of each match within text
    snip.parts()    # [('…', False), ('智谱', True), ...]: a page wraps True parts in <mark>
    snip.marked('[', ']')  # '…[智谱]今天发布了新的[大模型]，…'

The best passage is the window of about `width` characters holding the most distinct
query words (then the most matches), started a little before its first match.  Words
are found case-insensitively in the raw text; an article whose body lacks them all
(a title match) shows the start of its body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 120       # characters of body in a snippet
LEAD = 20         # characters shown before the first match
MAX_MATCHES = 400  # matches considered per article
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut at the marks: (piece, is a match)."""
        pieces: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.marks:
            if start > at:
                pieces.append((self.text[at:start], False))
            pieces.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            pieces.append((self.text[at:], False))
        return pieces

    def marked(self, before: str, after: str) -> str:
        """The text with each match between `before` and `after`."""
        return "".join(f"{before}{piece}{after}" if hit else piece
                       for piece, hit in self.parts())

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "marks": [list(m) for m in self.marks]}


def snippet(body: str | None, words: Sequence[str], width: int = WIDTH) -> Snippet:
    """The passage of `body` that best shows `words` (see the module docstring)."""
    text = body or ""
    matches = _matches(text, words)
    if not matches:
        return _cut(text, 0, width, [])
    start = _best_start(matches, width)
    begin = max(0, start - LEAD)
    if begin > 0:  # start at a sentence or clause if one begins shortly before
        cut = max(text.rfind(p, begin, start) for p in "。！？\n，；")
        begin = cut + 1 if cut >= begin else begin
    return _cut(text, begin, width, matches)


def _matches(text: str, words: Sequence[str]) -> list[tuple[int, int, int]]:
    """(start, end, which word) of each non-overlapping match, in order of position."""
    wanted = sorted({w for w in words if w}, key=len, reverse=True)  # longest first
    if not wanted or not text:
        return []
    index = {w.casefold(): n for n, w in enumerate(wanted)}
    pattern = re.compile("|".join(_loose(w) for w in wanted), re.IGNORECASE)
    found = []
    for match in pattern.finditer(text):
        key = re.sub(r"\s+", " ", match.group(0)).casefold()
        found.append((match.start(), match.end(), index.get(key, _which(key, wanted))))
        if len(found) >= MAX_MATCHES:
            break
    return found


def _loose(word: str) -> str:
    """A word or phrase as a pattern where a space matches any spaces or none."""
    return r"\s*".join(re.escape(part) for part in word.split())


def _which(key: str, wanted: list[str]) -> int:
    compact = key.replace(" ", "")
    for n, word in enumerate(wanted):
        if word.casefold().replace(" ", "") == compact:
            return n
    return len(wanted)


def _best_start(matches: list[tuple[int, int, int]], width: int) -> int:
    """Where the window with the most distinct words (then matches) starts."""
    best, best_key = matches[0][0], (-1, -1)
    ends = 0
    for i, (start, _, _) in enumerate(matches):
        while ends < len(matches) and matches[ends][1] <= start + width:
            ends += 1
        window = matches[i:ends]
        key = (len({w for _, _, w in window}), len(window))
        if key > best_key:
            best, best_key = start, key
    return best


def _cut(text: str, begin: int, width: int, matches: list[tuple[int, int, int]]) -> Snippet:
    end = min(len(text), begin + width)
    piece = text[begin:end]
    lead = ELLIPSIS if begin > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    shown = lead + re.sub(r"\s", " ", piece) + tail  # one line; same length, so marks hold
    shift = len(lead) - begin
    marks = tuple((s + shift, e + shift) for s, e, _ in matches if s >= begin and e <= end)
    return Snippet(shown, marks)
