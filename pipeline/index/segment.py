"""Chinese word segmentation for the term index: jieba, a user dictionary, stop-words.

    segmenter = Segmenter.from_settings(settings.terms)
    body, title = segmenter.count("智谱发布新模型", "……")   # Counters of terms
    segmenter.term_of("deepseek")                           # 'DeepSeek' (or a TermError)

The segmenter is jieba's algorithm and dictionary as implemented by jieba-rs (Rust),
through the `rjieba` binding.  Pure-Python jieba 0.42.1 segments about 0.4 million
characters a second on one core, ten times too slow for indexing 2,000 articles a second;
jieba-rs gives the same Chinese tokens (checked on 483 real news pages, 217,657 tokens,
no difference) at about 7 million.  It differs only in keeping ASCII runs joined by '-'
(SHA-1) whole.

Every token becomes one normal form or is left out:
  * text is NFKC-normalised first (full-width ＡＩ６ -> AI6) when it needs it;
  * left out: tokens under two characters, tokens without a letter or a Chinese
    character (numbers, punctuation, spaces), tokens over 32 characters, stop-words;
  * Latin is case-folded, except that a user-dictionary entry keeps its spelling
    (deepseek, DEEPSEEK -> DeepSeek).

`digest` names all of that (segmenter version, rules, dictionary, stop-words): the index
records it per article, so a changed dictionary shows as stale articles.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.config.settings import TermsSettings
from pipeline.core.errors import ConfigError, UsageError

RULES_VERSION = "1"  # bump when the rules above change: every article becomes stale
MIN_CHARS, MAX_CHARS = 2, 32
DEFAULT_DICTIONARY = "configs/terms.txt"
# jieba user dictionary lines: a word, then an optional frequency and a lower-case tag (n, nz)
_ENTRY = re.compile(r"^(?P<word>\S+)(?:\s+(?P<freq>\d+))?(?:\s+(?P<tag>[a-z]+))?$")
_CACHE_LIMIT = 500_000


class TermError(UsageError):
    """A query term the index cannot hold: several words, a stop-word, a number."""


@dataclass(frozen=True)
class Entry:
    word: str
    freq: int | None = None
    tag: str | None = None


def load_dictionary(path: str) -> tuple[tuple[Entry, ...], str]:
    """The user dictionary's entries and where they came from.

    A missing file at the default path means the built-in copy (so a command run outside
    the project folder still indexes the same way); a missing file elsewhere is an error.
    """
    file = Path(path)
    if file.is_file():
        return _parse_dictionary(_read(file, "terms.dictionary"), str(file)), str(file)
    if path and path != DEFAULT_DICTIONARY:
        raise ConfigError(f"terms.dictionary {path} does not exist: create it (one entity "
                          "per line) or point the setting at an existing file")
    text = (resources.files("pipeline.index") / "data" / "terms.txt").read_text("utf-8")
    return _parse_dictionary(text, "built-in terms.txt"), "built-in"


def _parse_dictionary(text: str, where: str) -> tuple[Entry, ...]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _ENTRY.match(unicodedata.normalize("NFKC", line))
        if not match:
            raise ConfigError(f"{where} line {number}: {line!r} is not 'WORD [FREQ] [TAG]' "
                              "(a word holds no spaces)")
        word = match["word"]
        if not any(ch.isalpha() for ch in word):
            raise ConfigError(f"{where} line {number}: {word!r} has no letter or Chinese "
                              "character, so it could never be a term")
        entries.append(Entry(word, int(match["freq"]) if match["freq"] else None, match["tag"]))
    return tuple(entries)


def load_stopwords(extra: str) -> frozenset[str]:
    """The built-in stop-words plus those of the `terms.stopwords` file, case-folded."""
    text = (resources.files("pipeline.index") / "data" / "stopwords.txt").read_text("utf-8")
    if extra:
        file = Path(extra)
        if not file.is_file():
            raise ConfigError(f"terms.stopwords {extra} does not exist: create it or clear "
                              "the setting")
        text += "\n" + _read(file, "terms.stopwords")
    words = set()
    for line in text.splitlines():
        words.update(unicodedata.normalize("NFKC", line.split("#", 1)[0]).casefold().split())
    return frozenset(words)


def _read(file: Path, key: str) -> str:
    try:
        return file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{key} {file}: cannot read it as UTF-8 text ({exc})") from None


class _Normal(dict[str, str]):
    """raw token -> term ('' when left out); filled on first sight, so a dict lookup in C
    is all a known token costs."""

    def __init__(self, canon: dict[str, str], stop: frozenset[str]) -> None:
        super().__init__()
        self.canon = canon
        self.stop = stop

    def __missing__(self, token: str) -> str:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        key = token.strip().casefold()
        term = "" if self.reason(token) else self.canon.get(key, key)
        self[token] = term
        return term

    def reason(self, token: str) -> str:
        """Why a token is left out ('' when it is kept)."""
        text = token.strip()
        if not any(ch.isalpha() for ch in text):
            return "has no letter or Chinese character"
        if len(text) < MIN_CHARS:
            return "is a single character"
        if len(text) > MAX_CHARS:
            return f"is longer than {MAX_CHARS} characters"
        if text.casefold() in self.stop:
            return "is a stop-word"
        return ""


class Segmenter:
    """jieba with the user dictionary, and the normal form of every token it yields."""

    def __init__(self, entries: tuple[Entry, ...], stopwords: frozenset[str]) -> None:
        self._canon = {e.word.casefold(): e.word for e in entries}
        self._normal = _Normal(self._canon, stopwords)
        self._jieba: Any = None
        self.entries = entries
        self.stopwords = stopwords

    @functools.cached_property
    def digest(self) -> str:
        """Names the segmenter, rules, dictionary and stop-words (the index records it)."""
        return _digest(self.entries, self.stopwords)

    @property
    def jieba(self) -> Any:
        """The jieba-rs segmenter with the user dictionary, built on first use: loading
        jieba's dictionary takes 0.1-0.2 s, which a trend of dictionary terms never pays."""
        if self._jieba is None:
            self._jieba = _jieba(self.entries)
        return self._jieba

    @classmethod
    def from_settings(cls, settings: TermsSettings) -> Segmenter:
        entries, _ = load_dictionary(settings.dictionary)
        return cls(entries, load_stopwords(settings.stopwords))

    def tokens(self, text: str) -> list[str]:
        """jieba's raw tokens of the NFKC-normalised text."""
        if not text:
            return []
        if needs_nfkc(text):
            text = unicodedata.normalize("NFKC", text)
        return self.jieba.cut(text)

    def terms(self, text: str) -> list[str]:
        """The kept terms of a text, in order, repeats included."""
        normal = self._normal.__getitem__
        return [t for t in map(normal, self.tokens(text)) if t]

    def count(self, title: str | None, body: str | None) -> tuple[Counter[str], Counter[str]]:
        """Term counts of the body and of the title."""
        return self._count(body), self._count(title)

    def _count(self, text: str | None) -> Counter[str]:
        # Count the raw tokens in C, then normalise each distinct one (a third of the
        # tokens); indexing one article costs about as much as jieba's segmenting it.
        raw = Counter(self.tokens(text or ""))
        terms = list(map(self._normal.__getitem__, raw))  # '' for a token left out
        counts = dict(zip(terms, raw.values(), strict=True))
        counts.pop("", None)
        if len(counts) < len(terms) - terms.count(""):  # two spellings of one term
            counts = {}
            for term, n in zip(terms, raw.values(), strict=True):
                if term:
                    counts[term] = counts.get(term, 0) + n
        return Counter(counts)

    def entity(self, text: str) -> str | None:
        """The user-dictionary spelling of `text` when it is an entry (one term by
        definition, known without loading jieba); else None."""
        return self._canon.get(unicodedata.normalize("NFKC", text.strip()).casefold())

    def term_of(self, text: str) -> str:
        """The one term a query word stands for; TermError says why there is none."""
        entity = self.entity(text)
        if entity:  # a user-dictionary entry is one term by definition
            return entity
        tokens = [t for t in self.tokens(text.strip()) if t.strip()]
        if len(tokens) != 1:
            parts = " + ".join(tokens) or "nothing"
            raise TermError(f"{text!r} is not one term to the segmenter ({parts}): add it to "
                            "the terms.dictionary file (configs/terms.txt) and run "
                            "`newsvault terms`")
        reason = self._normal.reason(tokens[0])
        if reason:
            raise TermError(f"{text!r} {reason}, so it is not indexed: ask for a word of "
                            f"{MIN_CHARS} to {MAX_CHARS} characters that is not a stop-word")
        return self._normal[tokens[0]]


def needs_nfkc(text: str) -> bool:
    """Whether NFKC would turn some character of text into a letter or digit
    (full-width ＡＩ６, ①, 𝐀, compatibility ideographs).  Only such texts are normalised:
    NFKC of a whole article costs as much as segmenting it, and the full-width
    punctuation every Chinese text has (，：（）) needs none, being left out anyway."""
    bmp, astral = _nfkc_classes()
    if bmp.search(text):
        return True
    beyond_bmp = len(text.encode("utf-16-le")) != 2 * len(text)  # 2 us; max() takes 70
    return beyond_bmp and bool(astral.search(text))


@functools.lru_cache(maxsize=4)
def _jieba(entries: tuple[Entry, ...]) -> Any:
    """jieba-rs with these user-dictionary entries, built once per process: every crawl,
    `terms` run or search of one process (the web server, a test session) shares it.
    Only `cut` is used on it, which leaves it as built."""
    import rjieba

    with _DEFAULT_LOCK:
        global _default_taken
        # rjieba builds a segmenter of its own when imported (0.1 s; the module-level cut
        # and add_word are its); the process's first dictionary takes that one, not
        # building another. Nothing else here uses it.
        jieba: Any = rjieba if not _default_taken else rjieba.Jieba()
        _default_taken = True
    for entry in entries:
        jieba.add_word(entry.word, entry.freq, entry.tag)
    return jieba


_DEFAULT_LOCK = threading.Lock()
_default_taken = False


@functools.cache
def _nfkc_classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two character classes (as ranges, which `re` tests fast within the BMP)."""
    def ranges(first: int, last: int) -> re.Pattern[str]:
        spans: list[list[int]] = []
        for code in range(first, last):
            if 0xD800 <= code < 0xE000:
                continue
            normal = unicodedata.normalize("NFKC", chr(code))
            if normal != chr(code) and any(ch.isalnum() for ch in normal):
                if spans and spans[-1][1] == code - 1:
                    spans[-1][1] = code
                else:
                    spans.append([code, code])
        return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                                        for a, b in spans) + "]")

    return ranges(0x80, 0x10000), ranges(0x10000, 0x20000)


def _digest(entries: tuple[Entry, ...], stopwords: frozenset[str]) -> str:
    parts = [f"rjieba {_rjieba_version()}", f"rules {RULES_VERSION}",
             *sorted(f"{e.word}\t{e.freq}\t{e.tag}" for e in entries), "--",
             *sorted(stopwords)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def _rjieba_version() -> str:
    import importlib.metadata  # 20 ms of start-up that only the index's digest needs

    try:
        return importlib.metadata.version("rjieba")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - vendored builds
        return "unknown"
