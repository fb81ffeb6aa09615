"""Command-line and environment strings that are not UTF-8.

Python keeps undecodable bytes of argv and the environment as lone surrogates; DuckDB,
HTTP and the warehouse's text columns cannot take them, so callers refuse them with a
message that shows the bad bytes escaped.
"""

from __future__ import annotations

import os


def not_utf8(text: str) -> str | None:
    """None when `text` is valid UTF-8, else `text` with its bad bytes shown as escapes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return None
