"""Query parameters of the web pages, checked once: a bad one is a 400 that names it.

    params = Params(request)
    since = params.day("since")          # None, or a date; BadParameter names `since`
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from starlette.requests import Request


class BadParameter(Exception):
    """A query parameter with a value the page cannot use (answered with a 400)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter `{name}`: {message}")
        self.name = name
        self.message = message


class Params:
    def __init__(self, request: Request) -> None:
        self.query = request.query_params

    def text(self, name: str, max_length: int = 500) -> str | None:
        value = self.query.get(name)
        if value is None or not value.strip():
            return None
        if len(value) > max_length:
            raise BadParameter(name, f"longer than {max_length} characters")
        return value.strip()

    def choice(self, name: str, choices: Sequence[str], default: str | None = None
               ) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in choices:
            raise BadParameter(name, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def day(self, name: str) -> dt.date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise BadParameter(name, f"{value!r} is not a day: use YYYY-MM-DD") from None

    def whole(self, name: str, default: int, low: int, high: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            raise BadParameter(name, f"{value!r} is not a whole number from {low} to {high}")
        return int(value)

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value is None or value in ("0", "false", "no", "off"):
            return False
        if value in ("1", "true", "yes", "on"):
            return True
        raise BadParameter(name, f"{value!r} is not 1 or 0")

    def days(self, since: str = "since", until: str = "until"
             ) -> tuple[dt.date | None, dt.date | None]:
        first, last = self.day(since), self.day(until)
        if first and last and last < first:
            raise BadParameter(until, f"{last} is before {since} {first}: swap them")
        return first, last
