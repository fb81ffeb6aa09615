"""`--connect-to HOST=http://IP:PORT`: send a host's requests to another origin.

Like curl's --connect-to, only the connection moves: the request keeps its Host header
and every URL newsvault stores stays the site's own.  Tests, demos and offline checks
point the real host names at a server on 127.0.0.1 this way.  HOST may be an exact
name, '*.example.com' (the domain and its subdomains) or '*' (every host).
"""

from __future__ import annotations

import httpx

from pipeline.config.connect import Route


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
