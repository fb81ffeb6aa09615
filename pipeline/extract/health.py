"""Extraction health: is a site's template still read as it was? (the drift guard)

    health = measure("netease", articles)        # one crawl run's pages of one site
    reasons = drift(health, previous_runs)      # [] or why the site looks broken

Every crawl run records, per site, the share of extracted pages that came back empty or
very short, without a title, without a publish time, with boilerplate in the body, read
by the generic fallback instead of a site template, or blocked.  A site template
change shows up as one of these shares jumping: `drift` compares a run with the runs
before it, and `newsvault status` prints the flags.  Pure functions: no I/O here.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.core.records import Article
from pipeline.page.clean import NOISE_LINE

SHORT_BODY = 80          # visible characters; a real article body is longer
MIN_PAGES = 5            # fewer pages than this in a run: too few to judge
RISE = 0.2               # a share this much above the usual one is a drop in health
CEILING = 0.5            # a share above this is bad whatever the history
MARKERS = re.compile(r"特别声明|责任编辑|本文来源|网友评论仅供|热门跟贴|相关推荐|热点推荐|用微信扫|"
                     r"Notice\s*:\s*The content above|该文观点仅代表作者本人")
SHARES = ("empty_share", "no_title_share", "no_date_share", "noise_share", "generic_share",
          "blocked_share")


@dataclass(frozen=True)
class Health:
    """One site's extraction health in one run (shares of the pages, 0..1)."""

    site: str
    pages: int
    empty_share: float = 0.0
    no_title_share: float = 0.0
    no_date_share: float = 0.0
    noise_share: float = 0.0
    generic_share: float = 0.0
    blocked_share: float = 0.0

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


class Tally:
    """Counts a run's pages one at a time (a crawl keeps no article for this)."""

    TESTS = (("empty_share", lambda a: _empty(a)), ("no_title_share", lambda a: not a.title),
             ("no_date_share", lambda a: not a.published_at), ("noise_share", lambda a: _noisy(a)),
             ("generic_share", lambda a: _no_template(a)))

    def __init__(self, site: str) -> None:
        self.site = site
        self.pages = self.readable = self.blocked = 0
        self.hits = dict.fromkeys([name for name, _ in self.TESTS], 0)

    def add(self, article: Article) -> None:
        self.pages += 1
        if article.status == "blocked":
            self.blocked += 1
        if article.status in ("blocked", "not-html", "too-large"):
            return
        self.readable += 1
        for name, test in self.TESTS:
            self.hits[name] += bool(test(article))

    def health(self) -> Health:
        def share(count: int, among: int) -> float:
            return round(count / among, 4) if among else 0.0

        return Health(self.site, self.pages,
                      **{name: share(n, self.readable) for name, n in self.hits.items()},
                      blocked_share=share(self.blocked, self.pages))


def measure(site: str, articles: Iterable[Article]) -> Health:
    """Health of one site's extracted pages (any status: blocked and empty count)."""
    tally = Tally(site)
    for article in articles:
        tally.add(article)
    return tally.health()


def _empty(article: Article) -> bool:
    if article.status == "paywall":
        return False
    return len("".join(article.body.split())) < SHORT_BODY


def _no_template(article: Article) -> bool:
    """Read without the site's template: the generic extractor, or density filling in."""
    return "generic" in article.extractor or "density" in article.extractor


def _noisy(article: Article) -> bool:
    return any(NOISE_LINE.match(line) or MARKERS.search(line)
               for line in article.body.split("\n"))


def drift(current: Health, previous: Sequence[Health]) -> list[str]:
    """Why `current` looks worse than the site's usual runs; [] when it does not.

    A share is flagged when it is above CEILING, or RISE above its median over the
    previous runs that had enough pages.  Runs with fewer than MIN_PAGES pages are
    not judged."""
    if current.pages < MIN_PAGES:
        return []
    usual = [h for h in previous if h.pages >= MIN_PAGES]
    reasons = []
    for name in SHARES:
        now = getattr(current, name)
        before = statistics.median(getattr(h, name) for h in usual) if usual else 0.0
        label = name.removesuffix("_share").replace("_", " ")
        if now > CEILING:
            reasons.append(f"{label} {now:.0%} of {current.pages} pages")
        elif now - before >= RISE:
            reasons.append(f"{label} {now:.0%} (usually {before:.0%})")
    return reasons
