"""The query language of `newsvault search`: words, "phrases" and -exclusions.

    parsed = parse_query('智谱 "大模型 发布" -融资', segmenter)
    parsed.required   # ('智谱', '大模型', '发布'): every article found has all of them
    parsed.phrases    # (Phrase('大模型 发布', ...),): and has them side by side in its text
    parsed.excluded   # (Group(('融资',), None),): no article found has this

Words are segmented by the same jieba segmenter as the index (so 人工智能大模型, typed
without spaces as Chinese is, asks for its terms 人工智能 and 模型), normalised the same
way (full-width to half-width, Latin case-folded, dictionary spellings), and the words
the index leaves out (stop-words, single characters, numbers) are dropped with a note.
Quotes may be ASCII "..." or Chinese “...”; a phrase's terms are required and then its
text is checked in the article's title and body (spaces in the phrase match any space
or none).  Quotes also keep what the index leaves out: 大模型 asks for the term 模型
(jieba splits off the single character 大), "大模型" for the text 大模型 too.  A word or
phrase after '-' excludes the articles that have it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.core.errors import UsageError
from pipeline.index.segment import MAX_CHARS, MIN_CHARS, Segmenter

MAX_TERMS = 24  # terms in one query (required and excluded); the bit masks hold 62
_PART = re.compile(r'(-?)(?:"([^"]*)"?|“([^”]*)”?|(\S+))')


@dataclass(frozen=True)
class Phrase:
    """Quoted text to find verbatim; `pattern` is its RE2 regular expression."""

    text: str
    pattern: str


@dataclass(frozen=True)
class Group:
    """What one -word or -"phrase" excludes: articles with all these terms (and the
    phrase's text, for a phrase)."""

    terms: tuple[str, ...]
    phrase: Phrase | None = None


@dataclass(frozen=True)
class ParsedQuery:
    required: tuple[str, ...]
    phrases: tuple[Phrase, ...] = ()
    excluded: tuple[Group, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def highlight(self) -> tuple[str, ...]:
        """What a snippet marks: the phrases' text and the required terms."""
        return tuple(dict.fromkeys([*(p.text for p in self.phrases), *self.required]))


def parse_query(text: str, segmenter: Segmenter) -> ParsedQuery:
    """The query as terms to find and exclude; UsageError when it asks for nothing."""
    if not text or not text.strip():
        raise UsageError("the search query is empty: give words to find, e.g. "
                         "newsvault search 智谱 \"大模型\" -融资")
    required: list[str] = []
    phrases: list[Phrase] = []
    excluded: list[Group] = []
    dropped: list[str] = []
    for match in _PART.finditer(unicodedata.normalize("NFKC", text)):
        negative, quoted, chinese, word = match.groups()
        phrase_text = quoted if quoted is not None else chinese
        raw = (phrase_text if phrase_text is not None else word).strip()
        if not raw:
            continue
        terms = _terms(raw, segmenter)
        if not terms:
            dropped.append(raw)
            continue
        verbatim = len(terms) > 1 or _compact(raw) != _compact(terms[0])
        phrase = _phrase(raw, segmenter) if phrase_text is not None and verbatim else None
        if negative:
            excluded.append(Group(terms, phrase))
            continue
        required.extend(t for t in terms if t not in required)
        if phrase is not None:
            phrases.append(phrase)
    notes = tuple(f"{w!r} is not searchable (a stop-word, a single character or a number); "
                  "left out" for w in dropped)
    if not required:
        what = ("only excludes" if excluded else
                "has no searchable word" if dropped else "is empty")
        raise UsageError(f"the search query {text.strip()!r} {what}: give at least one word to "
                         "find (stop-words, single characters and numbers are not indexed)")
    if len(required) + sum(len(g.terms) for g in excluded) > MAX_TERMS:
        raise UsageError(f"the search query has more than {MAX_TERMS} terms: ask for fewer "
                         "words")
    return ParsedQuery(tuple(required), tuple(phrases), tuple(excluded), notes)


def _compact(text: str) -> str:
    return "".join(text.split()).casefold()


def _terms(text: str, segmenter: Segmenter) -> tuple[str, ...]:
    """The index's terms of a word or phrase, each once, in order (a dictionary entry is
    its own term: a query of entities never waits for jieba to load)."""
    entity = segmenter.entity(text)
    if entity and MIN_CHARS <= len(entity) <= MAX_CHARS \
            and entity.casefold() not in segmenter.stopwords:
        return (entity,)
    return tuple(dict.fromkeys(segmenter.terms(text)))


def _phrase(text: str, segmenter: Segmenter) -> Phrase:
    """The phrase as a case-insensitive pattern: its tokens in order, any spaces between."""
    tokens = [t.strip() for t in segmenter.tokens(text) if t.strip()]
    pattern = r"\s*".join(_re2_escape(t) for t in tokens)
    return Phrase(" ".join(text.split()), "(?i)" + pattern)


def _re2_escape(text: str) -> str:
    """Escape for RE2 (DuckDB's regular expressions) and Python's re alike."""
    return "".join("\\" + ch if ch in r"\.^$|?*+()[]{}-" else ch for ch in text)
