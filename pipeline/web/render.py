"""Answers: a page from a template, or its JSON twin (`?format=json`), or an error page.

Every page is built from one dict of data; the template renders it and `?format=json`
returns the same dict as JSON, so what a page shows can always be had as data.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from pipeline.web.params import Params

FORMATS = ("html", "json")


def environment() -> Environment:
    """The Jinja2 templates shipped in pipeline/web/templates (package data)."""
    folder = resources.files("pipeline.web") / "templates"
    env = Environment(loader=FileSystemLoader(str(folder)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["when"] = when
    env.filters["number"] = number
    env.globals["query"] = query
    return env


def page(request: Request, template: str, data: dict[str, Any], status: int = 200,
         formats: tuple[str, ...] = FORMATS) -> Response:
    """The page `template` over `data`, or `data` as JSON when the URL asks for it."""
    fmt = Params(request).choice("format", formats, "html")
    if fmt == "json":
        return json_response(data, status)
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, data=data, **data)
    return HTMLResponse(html, status)


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=plain, indent=1)
    return Response(body, status, media_type="application/json")


def error(request: Request, status: int, title: str, message: str,
          parameter: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """An error page (or JSON) with the status, saying what is wrong and what to do."""
    data = {"error": title, "status": status, "message": message, "parameter": parameter}
    if request.query_params.get("format") == "json":
        response = json_response(data, status)
    else:
        env: Environment = request.app.state.templates
        response = HTMLResponse(env.get_template("error.html").render(
            request=request, data=data, title=f"{status} {title}", **data), status)
    response.headers.update(headers or {})
    return response


def plain(value: Any) -> Any:
    """JSON for what DuckDB returns: times as ISO text, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def when(value: Any) -> str:
    """A time as shown on the pages: Beijing wall time to the minute."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone(dt.timedelta(hours=8)))
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def number(value: Any) -> str:
    if isinstance(value, float | decimal.Decimal):
        return f"{float(value):.4g}"
    return "" if value is None else str(value)


def query(request: Request, **changes: Any) -> str:
    """The current URL's query with some parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"
