"""Settings values checked when settings load: those only DuckDB would refuse later, and
team mode's PostgreSQL URI (which libpq reads)."""

from __future__ import annotations

import re

# DuckDB's memory units (case-insensitive; 1000^i for KB.., 1024^i for KiB..)
_MEMORY = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*"
                     r"(b|bytes?|k|kb|kilobytes?|m|mb|megabytes?|g|gb|gigabytes?|"
                     r"t|tb|terabytes?|kib|mib|gib|tib)\s*", re.IGNORECASE | re.ASCII)
_MEMORY_SCALE = {"b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4,
                 "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
MIN_MEMORY_LIMIT = 32 * 1000**2  # below this DuckDB runs out of memory writing a small crawl


def memory_limit_bytes(value: str) -> int | None:
    """Bytes of a DuckDB memory size such as '64MB', '1.5 GiB'; None if it is not one."""
    match = _MEMORY.fullmatch(value)
    if not match:
        return None
    unit = match.group(2).lower()
    scale = _MEMORY_SCALE.get(unit) or _MEMORY_SCALE[unit[0]]
    return int(float(match.group(1)) * scale)


def memory_limit_problem(value: str) -> str | None:
    """Why `value` cannot be warehouse.memory_limit; None when it can (empty: the default)."""
    if not value:
        return None
    size = memory_limit_bytes(value)
    if size is None:
        return ("must be a size with a unit, such as '64MB', '1GB' or '512MiB' "
                "(or empty for DuckDB's default)")
    if size < MIN_MEMORY_LIMIT:
        return "must be at least 32MB (DuckDB cannot write the warehouse with less)"
    return None


TEAM_SCHEMES = ("postgresql://", "postgres://")  # warehouse.path as a libpq URI: team mode


def is_team_uri(path: str) -> bool:
    return path.startswith(TEAM_SCHEMES)


def team_uri_problem(uri: str) -> str | None:
    """Why `uri` is not a libpq URI of a database (None: it is one); the password is
    never repeated in the message."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(uri)
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own words
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        return (f"URI cannot be read by libpq ({reason}); write it as "
                "postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=/socket/dir")
    if not parts.get("dbname"):
        return ("URI names no database; write it as postgresql://USER@HOST:PORT/DB "
                "(a socket folder as ?host=/path)")
    return None
