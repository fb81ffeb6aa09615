"""Fault injection for the crash tests: a checkpoint can kill the process on request.

    NEWSVAULT_FAULT="commit:3"   # the 3rd pass through checkpoint "commit" SIGKILLs us

Checkpoints sit where a kill hurts most: `fetched` (a response read, not yet recorded),
`archive` (halfway through writing a WARC record: the file is left torn), `extract`
(an article about to be extracted), `list` (a list page about to be committed) and
`commit` (inside a warehouse transaction, before COMMIT).  Without the variable (always,
outside tests) a checkpoint is one comparison.
"""

from __future__ import annotations

import os
import signal
from typing import BinaryIO

ENV = "NEWSVAULT_FAULT"


def _parse(spec: str | None) -> tuple[str, int] | None:
    if not spec or ":" not in spec:
        return None
    name, _, count = spec.partition(":")
    return (name, int(count)) if count.isdigit() else None


_ARMED = _parse(os.environ.get(ENV))
_hits: dict[str, int] = {}


def _due(name: str) -> bool:
    if _ARMED is None or _ARMED[0] != name:
        return False
    _hits[name] = _hits.get(name, 0) + 1
    return _hits[name] == _ARMED[1]


def checkpoint(name: str) -> None:
    """Die here (SIGKILL, no clean-up) when this is the armed pass."""
    if _due(name):
        os.kill(os.getpid(), signal.SIGKILL)


def write(name: str, fh: BinaryIO, data: bytes) -> None:
    """Write `data`; on the armed pass write half of it to disk and die."""
    if _due(name):
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    fh.write(data)
