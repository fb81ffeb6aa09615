"""Publish times as the sites write them, to ISO 8601 in Beijing time.

Forms seen on 36Kr and NetEase: '2024-05-13 09:16:04', '2024-05-13T09:16:04+08:00',
'2026-02-27 11:48:42  +0800' (36Kr RSS), '05/22/2024 07:16:06' (NetEase lists),
'2026年08月26日 09:28', '2019/09/07 13:43', epoch milliseconds.  A time without an
offset is Beijing time: both sites publish it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from pipeline.core.records import BEIJING, from_epoch_ms, iso_beijing

_YMD = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[T\s]*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?")
_MDY = re.compile(
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?")


def parse_time(value: str | int | float | None) -> str | None:
    """ISO 8601 (+08:00) for a site's time string or epoch ms; None when unreadable."""
    if value is None:
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        return from_epoch_ms(number if number > 1e11 else number * 1000)
    text = value.strip()
    if not text:
        return None
    parsed = _match(_YMD, text) or _match(_MDY, text) or _rfc822(text)
    return iso_beijing(parsed) if parsed else None


def _match(pattern: re.Pattern[str], text: str) -> dt.datetime | None:
    match = pattern.search(text)
    if not match:
        return None
    g = match.groupdict()
    try:
        value = dt.datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0),
                            int(g["M"] or 0), int(g["S"] or 0))
    except ValueError:
        return None
    tz = g.get("tz")
    value = value.replace(tzinfo=_offset(tz)) if tz else value.replace(tzinfo=BEIJING)
    return value


def _offset(tz: str) -> dt.tzinfo:
    if tz == "Z":
        return dt.UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _rfc822(text: str) -> dt.datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)
