"""`newsvault serve`: a read-only local web app over the warehouse.

    serve(settings, host="127.0.0.1", port=8080)        # runs uvicorn until Ctrl-C

Pages (each with a JSON twin, `?format=json`; the URL holds the whole state):

    /                       latest articles per site, coverage, extraction health, runs
    /search?q=&site=&since=&until=&page=   ranked results, snippets, facets
    /a/<article_id>         an article, each field's provenance, its versions with a diff
    /capture/<capture_id>   the archived response in a sandboxed frame, WARC headers beside
    /trend?terms=&by=&share=&site=&since=&until=   an interactive chart (CSV and JSON too)

Built from Starlette (routes, static files), Jinja2 (templates/) and uvicorn; the chart
library (uPlot) is in static/, so the pages need no network.  Reads go through short
read-only windows (pipeline.store.browse and the library functions of `status` and
`trend`), so a cron crawl can commit between page views.  Binding another address
than loopback needs `allow_remote`; a token, when given, is asked of every request.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool, token: str | None) -> list[str]:
    """Refuse a non-loopback address without `allow_remote`; the warnings to print."""
    if is_loopback(host):
        return []
    if not allow_remote:
        raise UsageError(f"--host {host} would let other machines read the warehouse: "
                         "add --allow-remote to mean it (and --token to ask for a token), "
                         "or bind 127.0.0.1")
    warnings = [f"serving on {host}: other machines can read the warehouse"]
    if not token:
        warnings.append("no --token given: anyone who reaches the port can read it")
    return warnings


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080, *,
          allow_remote: bool = False, token: str | None = None) -> None:
    """Serve the web app with uvicorn until interrupted (see the module docstring).
    UsageError when the address is refused, or taken by another program."""
    import uvicorn

    from pipeline.web.app import create_app

    for warning in check_bind(host, allow_remote, token):
        log.warning("warning: %s", warning)
    sock = listen(host, port)
    where = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    shown = settings.warehouse.path
    if settings.team_mode():  # a URI may hold a password
        from pipeline.store.team.connect import shown as without_password

        shown = f"the team warehouse {without_password(shown)}"
    log.info("newsvault: serving %s read-only on %s%s; Ctrl-C stops", shown, where,
             " (token required)" if token else "")
    app = create_app(settings, token=token)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False,
                                           lifespan="off"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stopped on Ctrl-C or SIGTERM, then passes it on
        log.info("newsvault: stopped")
    finally:
        sock.close()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a UsageError saying why it cannot be had."""
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: give a port from 1 to 65535")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        raise UsageError(f"--host {host}: not an address of this machine") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}): another program "
                         "may use the port; give another --port") from None
    return sock
