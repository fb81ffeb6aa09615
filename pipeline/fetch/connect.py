"""`--connect-to HOST=http://IP:PORT`: send a host's requests to another origin.

Like curl's --connect-to, only the connection moves: the request keeps its Host header
and every URL newsvault stores stays the site's own.  Tests, demos and offline checks
point the real host names at a server on 127.0.0.1 this way.  HOST may be an exact
name, '*.example.com' (the domain and its subdomains) or '*' (every host).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


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


class ConnectToTransport(httpx.AsyncBaseTransport):
    """Rewrites the connection target of matching hosts; the Host header is kept."""

    def __init__(self, routes: tuple[Route, ...], inner: httpx.AsyncBaseTransport) -> None:
        self.routes = routes
        self.inner = inner

    def route_for(self, host: str) -> Route | None:
        return next((r for r in self.routes if r.matches(host)), None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = self.route_for(request.url.host)
        if route is not None:
            request.url = request.url.copy_with(scheme=route.scheme, host=route.host,
                                                port=route.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
