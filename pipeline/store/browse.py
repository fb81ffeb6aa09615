"""Reads for `newsvault serve`: latest articles, one article and its versions, a capture.

    with reading(settings) as browse:                 # a short read window
        article = browse.article("36kr:123")
        versions = browse.versions("36kr:123")

Like the crawl's own reads (pipeline.store.brief), each window attaches the file
read-only, next to any other reader, to a DuckDB session the thread keeps, and detaches
it at the end of the block, so a cron crawl can take the file for its next commit
between two page views.  A window waits at
most `wait` seconds for a crawl's commit to end (WarehouseBusy after that).  The SQL is
warehouse/queries/web_*.sql.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import duckdb

from pipeline.config.settings import Settings, WarehouseSettings
from pipeline.core.errors import WarehouseError
from pipeline.store import readers
from pipeline.store.readers import Reader
from pipeline.store.warehouse import Warehouse, sql_text

DEFAULT_WAIT = 5.0  # seconds a page waits for a crawl's commit, at most


class Browse:
    """The reads of one window, as plain dicts (JSON columns parsed)."""

    def __init__(self, warehouse: Reader) -> None:
        self.warehouse = warehouse

    def latest(self, per_site: int) -> list[dict[str, Any]]:
        """The newest `per_site` articles of each site, site by site."""
        sites = [row["site"] for row in self._dicts("web_sites", {})]
        return [row for site in sites
                for row in self._dicts("web_latest", {"site": site, "per_site": int(per_site)})]

    def article(self, article_id: str) -> dict[str, Any] | None:
        rows = self._dicts("web_article", {"article_id": article_id})
        if not rows:
            return None
        row = rows[0]
        row["provenance"] = _json(row["provenance"]) or {}
        return row

    def versions(self, article_id: str) -> list[dict[str, Any]]:
        return self._dicts("web_versions", {"article_id": article_id})

    def capture(self, capture_id: int) -> dict[str, Any] | None:
        rows = self._dicts("web_capture", {"capture_id": int(capture_id)})
        if not rows:
            return None
        row = rows[0]
        row["headers"] = [tuple(pair) for pair in (_json(row["headers"]) or [])]
        return row

    def capture_articles(self, capture_id: int) -> list[dict[str, Any]]:
        return self._dicts("web_capture_articles", {"capture_id": int(capture_id)})

    def _dicts(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            cursor = self.warehouse.con.execute(sql_text(name), params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WarehouseError(f"reading the warehouse failed ({first}): an older schema? "
                                 "run `newsvault crawl` once to bring it up to date") from None


@contextlib.contextmanager
def reading(settings: Settings, wait: float = DEFAULT_WAIT) -> Iterator[Browse]:
    """One short read-only window on the warehouse (see the module docstring).
    WarehouseError when it is missing or unreadable, WarehouseBusy when a writer keeps it
    longer than `wait` seconds.  On team mode the window is one snapshot of the lake, on
    the thread's kept reader (pipeline.store.readers): nothing there waits for a crawl."""
    if settings.team_mode():
        with readers.reading(settings) as reader:
            yield Browse(reader)
        return
    try:
        with readers.reading(settings, wait=min(wait, settings.warehouse.lock_wait),
                             con=_session(settings.warehouse)) as warehouse:
            yield Browse(warehouse)
    except BaseException:
        _discard()  # whatever went wrong, the next window starts from a fresh session
        raise


_sessions = threading.local()


def _session(settings: WarehouseSettings) -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB session (extensions loaded, settings made), kept between
    windows as BriefWarehouse keeps its own: a window only attaches and detaches the file."""
    key = (settings.path, settings.attach, settings.attach_options, settings.catalog,
           tuple(settings.extensions), settings.timezone, settings.memory_limit)
    if getattr(_sessions, "key", None) != key:
        _sessions.con = Warehouse.connect(settings)
        _sessions.key = key
    return _sessions.con


def _discard() -> None:
    con = getattr(_sessions, "con", None)
    _sessions.con = _sessions.key = None
    if con is not None:
        with contextlib.suppress(duckdb.Error):
            con.close()


def _json(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None
