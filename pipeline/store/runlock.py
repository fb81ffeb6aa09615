"""The run lock of a command, wherever the warehouse is.

    with run_lock(settings, "terms"):
        ...

The DuckDB file: the `flock` of pipeline.store.lock on the file beside it (crawl.lock_file,
default the warehouse path + '.lock'). Team mode: PostgreSQL advisory locks
(pipeline.store.team.locks, as PgControl.run_lock takes them), held on a connection of
its own for as long as the block runs; never a file, least of all one named after the URI.
Both go when the process dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pipeline.config.settings import Settings
from pipeline.store.lock import RunLock


@contextmanager
def run_lock(settings: Settings, command: str) -> Iterator[Any]:
    """Held while the block runs; LockHeld (exit 75) when another run holds it."""
    if not settings.team_mode():
        with RunLock(settings.lock_path(), command=command) as held:
            yield held
        return
    from pipeline.store.team.control import PgControl

    with PgControl.open(settings) as control, control.run_lock(command) as held:
        yield held
