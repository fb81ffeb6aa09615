"""robots.txt as RFC 9309 reads it, matched by `protego` (Scrapy's parser).

Groups per user agent, longest match wins, `Allow` beats `Disallow` on equal length,
`*` and a final `$` as in the RFC.  This module adds the blanket verdicts the RFC asks
for when the file cannot be read: a 4xx robots.txt allows everything; a 5xx or an
unreachable one disallows everything (for this run).  Crawl-delay, when given, raises
the host's request spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass
class Rules:
    """The parsed file for one agent, or a blanket verdict when it could not be read."""

    parser: Protego | None = None
    agent: str = "*"
    crawl_delay: float | None = None
    verdict: bool | None = None  # True: allow all, False: disallow all
    note: str = ""
    reason: str = "robots"       # why a blanket disallow: robots-unreachable, connect, ...

    def allows(self, url: str) -> bool:
        if self.verdict is not None:
            return self.verdict
        return self.parser is None or bool(self.parser.can_fetch(url, self.agent))


def allow_all(note: str) -> Rules:
    return Rules(verdict=True, note=note)


def disallow_all(note: str, reason: str = "robots-unreachable") -> Rules:
    return Rules(verdict=False, note=note, reason=reason)


def parse(text: str, agent: str) -> Rules:
    """The rules for `agent` (its product token, e.g. 'newsvault'), else the '*' group."""
    parser = Protego.parse(text)
    delay = parser.crawl_delay(agent)
    return Rules(parser=parser, agent=agent,
                 crawl_delay=float(delay) if delay is not None else None)
