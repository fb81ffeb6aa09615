"""The Starlette application of `newsvault serve`: routes, headers, access, errors.

    app = create_app(settings, token="s3cret")     # any ASGI server; serve() runs uvicorn

Every answer carries a Content-Security-Policy that lets a page load only this app's
own scripts, styles and images (nothing external; the chart library is in static/);
an archived page shown in the capture frame gets a stricter one (pages.CAPTURE_CSP).
With a token, every request must bring it: `?token=` (then remembered in a cookie),
the `X-Newsvault-Token` header, `Authorization: Bearer`, or the cookie.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from pipeline.config.settings import Settings
from pipeline.core.errors import (
    ArchiveDamaged,
    PipelineError,
    QueryError,
    UsageError,
    WarehouseBusy,
    WarehouseError,
)
from pipeline.store.browse import DEFAULT_WAIT
from pipeline.web import pages
from pipeline.web.params import BadParameter
from pipeline.web.render import environment, error

APP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'self'")
TOKEN_COOKIE = "newsvault_token"
TOKEN_HEADER = "x-newsvault-token"


def create_app(settings: Settings, token: str | None = None) -> Starlette:
    """The web app over `settings`' warehouse; reads wait at most a few seconds for a
    crawl's commit (then a 503 page), so a page never holds a cron crawl up."""
    wait = min(settings.warehouse.lock_wait, DEFAULT_WAIT)
    settings = settings.replace(warehouse=dataclasses.replace(settings.warehouse,
                                                              lock_wait=wait))
    static = str(resources.files("pipeline.web") / "static")
    app = Starlette(
        routes=[*pages.routes(), Mount("/static", StaticFiles(directory=static), name="static")],
        middleware=[Middleware(Guard, token=token or None)],
        exception_handlers={HTTPException: _http_error, BadParameter: _bad_parameter,
                            PipelineError: _pipeline_error})
    app.state.settings = settings
    app.state.templates = environment()
    return app


class Guard(BaseHTTPMiddleware):
    """The token check (when one is set) and the security headers of every answer."""

    def __init__(self, app: object, token: str | None) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.token = token

    async def dispatch(self, request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = _given_token(request)
        if self.token is not None and not (
                given is not None and secrets.compare_digest(given.encode(),
                                                             self.token.encode())):
            response = error(request, 401, "token needed",
                             "this newsvault serve was started with a token: add "
                             "?token=... to the address (or the X-Newsvault-Token header)")
        else:
            response = await call_next(request)
            if self.token is not None and request.query_params.get("token") is not None:
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True,
                                    samesite="strict")
        response.headers.setdefault("Content-Security-Policy", APP_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


def _given_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return (request.query_params.get("token") or request.headers.get(TOKEN_HEADER)
            or request.cookies.get(TOKEN_COOKIE))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error(request, 404, "not found", exc.detail if exc.detail != "Not Found" else
                     f"nothing at {request.url.path}: the pages are /, /search, "
                     "/a/<article_id>, /capture/<capture_id> and /trend")
    return error(request, exc.status_code, "error", str(exc.detail))


async def _bad_parameter(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadParameter)
    return error(request, 400, f"bad parameter: {exc.name}", str(exc), parameter=exc.name)


async def _pipeline_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, WarehouseBusy):
        return error(request, 503, "the warehouse is busy",
                     f"{exc}. A crawl commits in well under a second; reload in a moment",
                     headers={"Retry-After": "5"})
    if isinstance(exc, WarehouseError):
        return error(request, 503, "the warehouse cannot be read", str(exc))
    if isinstance(exc, UsageError | QueryError):
        return error(request, 400, "bad request", str(exc))
    if isinstance(exc, ArchiveDamaged):
        return error(request, 500, "the archive record cannot be read", str(exc))
    return error(request, 500, "error", str(exc))
