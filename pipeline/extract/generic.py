"""Pages of unknown layout: two extractors that must agree, then boilerplate filters.

The page is decoded by pipeline.page.decode, never by trafilatura's guess.  Then:

- the density extractor (density.py) picks the container that holds the story and
  reads its text back, paragraph by paragraph;
- trafilatura (comments off) reads the whole decoded page, only when a density line
  is not prose (else its vote could change nothing), in its fast mode; when that vote
  takes out 5% or more of the density text, again with its readability/justext
  comparison (its own extractor may have missed part of the story).

The body is the density text, each line kept when trafilatura kept it too, or when it
is prose by itself (at least 30 visible characters with sentence punctuation): the
density extractor brings the precision (it never leaves the container; trafilatura
keeps related-news lists, disclaimers and footers), trafilatura vetoes short
captions, bylines and labels inside the container.  When one of them finds nothing,
the other's text is used.  Lines repeated on the page are kept once, and the shared
boilerplate filter (clean.py) runs last.  Title, author, tags and summary come from
trafilatura's metadata, title and author cleaned of site names, labels and junk
(generic_meta.py); the publish time from the page's own meta tags, the dateline
below the headline, the URL, then trafilatura (generic_dates.py); 来源 from the dateline.
"""

from __future__ import annotations

import re

from pipeline.core.records import Article
from pipeline.extract.generic_dates import dateline, page_time
from pipeline.extract.generic_meta import byline, dateline_byline, headline, outlet
from pipeline.extract.traf import Traf
from pipeline.page.clean import (
    NOISE_LINE,
    drop_noise_lines,
    drop_repeated_lines,
    drop_title_line,
    title_line,
)
from pipeline.page.density import main_text
from pipeline.page.parsed import Page
from pipeline.page.segments import visible_size
from pipeline.page.text import squash, tidy_lines

_SENTENCE_END = re.compile(r"[。！？!?.;；…]")
PROSE_CHARS = 30
RECHECK_SHARE = 0.05  # a fast vote taking out more than this is taken again in full
EXTRACTOR = "generic"


def extract_generic(page: Page) -> Article:
    """An Article from any page: body by agreement, metadata from the page/trafilatura."""
    density = [x for x in tidy_lines(main_text(page.tree)).split("\n") if x]
    traf = Traf(page)
    doc = traf.meta
    title = page.meta("og:title") or (doc.title if doc else None)
    if density and not _vote_matters(density, title):
        lines, rule = density, "density:prose"  # trafilatura's vote could change nothing
    else:
        lines, rule = agree(density, _lines(traf.body(fast=True)))
        if _vetoed_share(density, lines) >= RECHECK_SHARE:  # it missed part of the story?
            lines, rule = agree(density, _lines(traf.body(fast=False)))
    body = "\n".join(drop_repeated_lines(lines))
    body = drop_title_line(body, title)
    article = Article(url=page.url, extractor=f"{EXTRACTOR}:{rule}")
    article.body, _ = drop_noise_lines(body)
    article.provenance["body"] = rule
    _metadata(page, traf, article)
    return article


def agree(density: list[str], traf: list[str]) -> tuple[list[str], str]:
    """Density lines that trafilatura kept too, or that are prose on their own."""
    if not density:
        return traf, "trafilatura"
    if not traf:
        return density, "density"
    kept_by_traf = squash("".join(traf))
    kept = [line for line in density
            if squash(line) in kept_by_traf or _is_prose(line)]
    return kept, "density+trafilatura"


def _vote_matters(density: list[str], title: str | None) -> bool:
    """Whether trafilatura's vote could change the body: some line is neither prose
    (kept whatever the vote) nor a boilerplate line (dropped whatever the vote) nor a
    first line repeating the headline (dropped by drop_title_line whatever the vote,
    unless the line after it repeats the headline too)."""
    for index, line in enumerate(density):
        if _is_prose(line) or NOISE_LINE.match(line):
            continue
        if index == 0 and title_line(line, title) and not (
                len(density) > 1 and title_line(density[1], title)):
            continue
        return True
    return any(title_line(line, title) for line in density[1:])


def _lines(text: str) -> list[str]:
    return [x for x in tidy_lines(text.split("\n")).split("\n") if x]


def _vetoed_share(density: list[str], kept: list[str]) -> float:
    """The share of the density text's characters that the vote took out."""
    total = sum(visible_size(x) for x in density)
    return 1 - sum(visible_size(x) for x in kept) / total if total else 0.0


def _is_prose(line: str) -> bool:
    return visible_size(line) >= PROSE_CHARS and _SENTENCE_END.search(line) is not None


def _metadata(page: Page, traf: Traf, article: Article) -> None:
    doc = traf.meta
    article.title, rule = headline(page, doc.title if doc is not None else None)
    if article.title:
        article.provenance["title"] = rule
    if doc is not None:
        article.author = byline(doc.author)
        article.summary = doc.description or None
        article.tags = [t for t in (doc.tags or []) if t]
        for name in ("author", "summary", "tags"):
            if getattr(article, name):
                article.provenance[name] = "trafilatura"
    line = dateline(page, article.title, article.body)
    article.source = outlet(line)
    if article.source:
        article.provenance["source"] = "dateline"
    if not article.author:  # trafilatura reads no CJK name from <meta name=author>
        article.author = dateline_byline(line)
        if article.author:
            article.provenance["author"] = "dateline"
    article.published_at, rule = page_time(page, line, article.body, traf.date)
    if article.published_at:
        article.provenance["published_at"] = rule
