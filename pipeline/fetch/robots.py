"""robots.txt as RFC 9309 reads it: groups per user agent, longest match wins.

`Allow` beats `Disallow` on equal length; `*` and a final `$` work as in the RFC.
A 4xx robots.txt allows everything; a 5xx or an unreachable one disallows everything
(for this run); Crawl-delay, when given, raises the host's request spacing.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass
class Rules:
    """The rules of one group (or a blanket verdict when robots.txt could not be read)."""

    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, pattern)
    crawl_delay: float | None = None
    verdict: bool | None = None  # True: allow all, False: disallow all
    note: str = ""
    reason: str = "robots"       # why a blanket disallow: robots-unreachable, connect, ...

    def allows(self, url: str) -> bool:
        if self.verdict is not None:
            return self.verdict
        parts = urlsplit(url)
        path = _normalise(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        best: tuple[int, bool] | None = None
        for allow, pattern in self.rules:
            if pattern and _match(pattern, path):
                key = (len(pattern), allow)
                if best is None or key > best:
                    best = key
        return True if best is None else best[1]


def allow_all(note: str) -> Rules:
    return Rules(verdict=True, note=note)


def disallow_all(note: str, reason: str = "robots-unreachable") -> Rules:
    return Rules(verdict=False, note=note, reason=reason)


def parse(text: str, agent: str) -> Rules:
    """The group for `agent` (its product token, e.g. 'newsvault'), else the '*' group."""
    groups: list[tuple[list[str], Rules]] = []
    agents: list[str] = []
    current: Rules | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is not None:  # a new group starts after rules
                agents, current = [], None
            agents.append(value.lower())
        elif key in {"allow", "disallow", "crawl-delay"}:
            if not agents:
                continue
            if current is None:
                current = Rules()
                groups.append((agents, current))
            if key == "crawl-delay":
                with contextlib.suppress(ValueError):
                    current.crawl_delay = float(value)
            elif value or key == "allow":
                current.rules.append((key == "allow", _normalise(value)))
    agent = agent.lower()
    merged = Rules()
    for wanted in (agent, "*"):
        hits = [rules for names, rules in groups if wanted in names]
        for rules in hits:
            merged.rules.extend(rules.rules)
            merged.crawl_delay = merged.crawl_delay or rules.crawl_delay
        if hits:
            return merged
    return merged


def _normalise(path: str) -> str:
    """Percent-encode consistently so '/%E6%96%B0' and '/新' compare equal."""
    return quote(unquote(path), safe="/*$?=&;:@+,!~'()%-._")


def _match(pattern: str, path: str) -> bool:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.match(regex + ("$" if anchored else ""), path) is not None
