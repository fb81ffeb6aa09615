"""Fault injection for the crash tests: a checkpoint can kill the process on request.

    NEWSVAULT_FAULT="commit:3"   # the 3rd pass through checkpoint "commit" SIGKILLs us
    NEWSVAULT_FAULT="archive:3:full"  # from the 3rd archive write on, the disk is full

Checkpoints sit where a kill hurts most: `fetched` (a response read, not yet recorded),
`archive` (halfway through writing a WARC record: the file is left torn), `extract`
(an article about to be extracted), `list` (a list page about to be committed) and
`commit` (inside a warehouse transaction, before COMMIT).  Without the variable (always,
outside tests) a checkpoint is one comparison.  With `:full` a `write` checkpoint does
not kill: that write and every later one writes half its bytes and fails with ENOSPC,
as on a disk that filled up, and the rest of the code takes its real error path.
"""

from __future__ import annotations

import errno
import os
import signal
from typing import BinaryIO

ENV = "NEWSVAULT_FAULT"


def _parse(spec: str | None) -> tuple[str, int] | None:
    if not spec or ":" not in spec:
        return None
    name, _, count = spec.partition(":")
    count = count.removesuffix(":full")
    return (name, int(count)) if count.isdigit() else None


_ARMED = _parse(os.environ.get(ENV))
_FULL = (os.environ.get(ENV) or "").endswith(":full")
_hits: dict[str, int] = {}
_disk_full = False


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
    """Write `data`; on the armed pass write half of it to disk and die (or, `:full`,
    fail with ENOSPC from then on)."""
    global _disk_full
    if _disk_full or _due(name):
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())
        if _FULL:
            _disk_full = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.kill(os.getpid(), signal.SIGKILL)
    fh.write(data)
