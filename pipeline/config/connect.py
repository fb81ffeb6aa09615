"""`fetch.connect_to` / `--connect-to HOST=http://IP:PORT`: the routes, parsed and checked with
the settings (fetch/connect.py applies them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Route:
    pattern: str
    scheme: str
    host: str
    port: int

    def matches(self, host: str) -> bool:
        host = host.lower()
        if self.pattern == "*":
            return True
        if self.pattern.startswith("*."):
            domain = self.pattern[2:]
            return host == domain or host.endswith("." + domain)
        return host == self.pattern


def parse_connect_to(pairs: Iterable[str]) -> tuple[Route, ...]:
    """Parse HOST=ORIGIN pairs; raises ValueError naming the bad pair."""
    routes = []
    for pair in pairs:
        host, sep, origin = pair.partition("=")
        host = host.strip().lower()
        parts = urlsplit(origin.strip())
        if not sep or not host or parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{pair!r} is not HOST=http://IP:PORT "
                             "(e.g. www.36kr.com=http://127.0.0.1:8080)")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ValueError(f"{pair!r} has an invalid port") from None
        routes.append(Route(host, parts.scheme, parts.hostname, port))
    return tuple(routes)
