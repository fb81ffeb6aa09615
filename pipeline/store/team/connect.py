"""Connecting to the team's PostgreSQL: psycopg 3, READ COMMITTED, errors a user can act on."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pipeline.core.errors import WarehouseError

APPLICATION = "newsvault"
CONNECT_TIMEOUT = 10  # seconds


def connect(uri: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection to the team database at `uri` (a libpq URI or key=value string)."""
    try:
        return psycopg.connect(uri, autocommit=autocommit, application_name=APPLICATION,
                               connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise WarehouseError(f"cannot connect to the team database {shown(uri)}: "
                             f"{first_line(exc)}; check the URI and that PostgreSQL runs"
                             ) from None


def shown(uri: str) -> str:
    """The URI without its password, for messages."""
    try:
        parts = conninfo_to_dict(uri)
    except psycopg.Error:
        return "(unreadable URI)"
    if "password" in parts:
        parts["password"] = "***"
    host = parts.get("host", "")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{parts.get('user', '')}@{host}{port}/{parts.get('dbname', '')}"


def libpq_dsn(uri: str) -> str:
    """The key=value form of `uri` (what DuckDB's postgres and DuckLake ATTACH take)."""
    return make_conninfo(uri)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
