"""The run lock: one crawl at a time per warehouse.

An advisory `flock` on a small file beside the warehouse.  The kernel drops it when the
holder exits, however it exits, so a lock left by a dead process is simply taken over;
the file's JSON (pid, host, started) names the holder in the message of a refused run.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import IO

from .errors import LockHeld


class RunLock:
    def __init__(self, path: Path, command: str = "crawl") -> None:
        self.path = path
        self.command = command
        self._fh: IO[str] | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = _read(fh.read())
            fh.close()
            raise LockHeld(f"another newsvault run holds {self.path} ({_describe(holder)}); "
                           "this run stops (exit 75) and cron tries again later",
                           holder) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "command": self.command,
                             "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            try:
                self._fh.seek(0)
                self._fh.truncate()
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict) -> str:
    if not holder:
        return "holder unknown"
    return (f"{holder.get('command', 'run')} pid {holder.get('pid', '?')} on "
            f"{holder.get('host', '?')} since {holder.get('started', '?')}")
