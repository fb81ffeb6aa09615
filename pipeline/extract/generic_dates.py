"""The publish time of a page of unknown layout, from the evidence news pages share.

    line = dateline(page, title, body)                 # headline to story
    published_at, rule = page_time(page, line, body, trafilatura_date)

In order:
  1. the page's own meta tags (article:published_time, pubdate ...);            'meta'
  2. the first date and time printed just below the headline, the place every
     Chinese news template puts '2012-01-12 10:23 来源：…';                      'byline'
  3. the date in the URL ('/2012/01-12/', '/2012-01-12/', '/20120112/',
     't20120112_'), with trafilatura's time when it names the same day;          'url'
  4. trafilatura's guess (htmldate on markup and the URL), unless the URL names
     another day, the page prints that day only below the story (a comment), or it
     is 1 January at midnight: a bare year (a copyright line) made a date. 'trafilatura'

trafilatura alone takes the date of a comment, a sidebar or a copyright line on one
page in five of a generic Chinese set; a headline's own line and the URL rarely lie.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.page.dates import parse_time
from pipeline.page.parsed import Page

TIME_METAS = ("article:published_time", "og:release_date", "pubdate", "publishdate",
              "PubDate", "datePublished", "publish-date", "date")
_URL_DATE = re.compile(r"/[a-z]?((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?"
                       r"(0[1-9]|[12]\d|3[01])(?=[/_.-])", re.I)
_DATE_TIME = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
                        r"\s*(?:\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?")
_HAS_CLOCK = re.compile(r"\d{1,2}[:：]\d{2}\s*$")
NEAR_HEADLINE = 400    # characters after the headline searched for its date line
PROSE = 60             # a body line longer than this is the story, not a dateline
_SPACES = re.compile(r"\s+")


def page_time(page: Page, line: str | None, body: str | None,
              guess: str | Callable[[], str | None] | None) -> tuple[str | None, str]:
    """ISO 8601 publish time (+08:00 unless the page says otherwise) and its rule.
    `guess` is trafilatura's (htmldate's) date, or a function that makes it: it is
    called only when the page's meta tags and the dateline named no time."""
    from_meta = parse_time(page.meta(*TIME_METAS))
    if from_meta:
        return from_meta, "meta"
    in_url = url_day(page.url)
    below = byline_time(line)
    if below and (not in_url or below[:10] == in_url):
        return below, "byline"
    guessed = parse_time(guess() if callable(guess) else guess)
    if guessed and (guessed[5:16] == "01-01T00:00" or _only_below_story(page, body, guessed)):
        guessed = None  # a bare year ('© 2012') made 1 January; a comment's date
    if in_url:
        if guessed and guessed[:10] == in_url:
            return guessed, "trafilatura"
        return parse_time(in_url), "url"
    if guessed:
        return guessed, "trafilatura"
    return None, "none"


def _only_below_story(page: Page, body: str | None, iso: str) -> bool:
    """Whether the page prints this day only below the story's last line (a comment,
    a related-news list, a footer): htmldate's text search takes such dates."""
    closing, text = _closing(body), page.text
    if not closing or text is None:
        return False
    end = text.find(closing)
    if end < 0:
        return False
    places = [m.start() for m in _DATE_TIME.finditer(text)
              if (parse_time(m.group(0)) or "")[:10] == iso[:10]]
    return bool(places) and min(places) > end


def url_day(url: str | None) -> str | None:
    """'YYYY-MM-DD' when the URL's path holds a date."""
    match = _URL_DATE.search(url or "")
    return "-".join(match.groups()) if match else None


def byline_time(line: str | None) -> str | None:
    """The first date of the dateline (see `dateline`), one with a clock time
    preferred; None when there is no dateline or no date in it."""
    found = [m.group(0) for m in _DATE_TIME.finditer(line or "")]
    timed = [f for f in found if _HAS_CLOCK.search(f)]
    for value in (*timed, *found):
        parsed = parse_time(value)
        if parsed:
            return parsed
    return None


def dateline(page: Page, title: str | None, body: str | None) -> str | None:
    """The page's text between the headline and the story's first paragraph of prose
    (at most NEAR_HEADLINE characters): where news pages print '2012-01-12 10:23
    来源：某报 作者：某某'.  A date inside the story is the event's, so the story is
    left out.  None when the headline is not found in the page's text."""
    text = page.text
    if not title or text is None:
        return None
    head = _SPACES.sub(" ", title.strip())
    start = text.find(head)
    if start < 0 or len(head) < 4:
        return None
    window = text[start + len(head): start + len(head) + NEAR_HEADLINE]
    prose = next((line for line in (body or "").split("\n") if len(line.strip()) > PROSE), "")
    opening = _SPACES.sub(" ", prose.strip())[:20]
    closing = _closing(body)
    if opening and opening in window:
        window = window[: window.index(opening)]
    elif closing and closing in window:  # a story of short lines: up to its end
        window = window[: window.index(closing)]
    return window


def _closing(body: str | None) -> str:
    """The end of the story's last line, as `Page.text` writes it."""
    return _SPACES.sub(" ", (body or "").rsplit("\n", 1)[-1].strip())[-20:]
