"""The run lock: one writing run (crawl, import-warc, reextract) at a time per warehouse.

An advisory `flock` on a small file beside the warehouse.  The kernel drops it when the
holder exits, however it exits, so a lock left by a dead process is simply taken over.
The file's JSON names the holder (command, pid, host, start, run id) for the message of
a refused run, for `newsvault status` (is the run marked 'running' still alive?) and for
naming the process that holds the DuckDB file.  Reading it never takes the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pipeline.core.errors import LockHeld, WriteError

COMMANDS = ("crawl", "import-warc", "reextract", "terms", "sql", "status", "export", "trend",
            "demo", "backfill")


class RunLock:
    def __init__(self, path: Path, command: str = "crawl") -> None:
        self.path = path
        self.command = command
        self._fh: IO[str] | None = None
        self._info: dict[str, Any] = {}

    def acquire(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise _write_error(self.path, exc) from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = _read(fh.read())
            fh.close()
            raise LockHeld(f"another newsvault run holds {self.path} ({_describe(holder)}); "
                           "this run stops (exit 75) and cron tries again later",
                           holder) from None
        except OSError as exc:
            fh.close()
            raise _write_error(self.path, exc) from None
        self._fh = fh
        self._info = {"pid": os.getpid(), "host": socket.gethostname(),
                      "command": self.command, "started": _now(),
                      "pid_start": process_start(os.getpid())}
        try:
            self._write()
        except OSError as exc:
            self.release()
            raise _write_error(self.path, exc) from None
        return self

    def note(self, **info: Any) -> None:
        """Add to what the file says about the holder (the run id, once known)."""
        self._info.update(info)
        with contextlib.suppress(OSError):  # only informative: never stops the run
            self._write()

    def _write(self) -> None:
        assert self._fh is not None
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(json.dumps(self._info))
        self._fh.flush()

    def release(self) -> None:
        if self._fh is not None:
            try:
                with contextlib.suppress(OSError):
                    self._fh.seek(0)
                    self._fh.truncate()
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                with contextlib.suppress(OSError):
                    self._fh.close()
                self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def holder(path: Path) -> dict[str, Any]:
    """What the lock file says about its holder ({} when free or unreadable)."""
    try:
        return _read(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return {}


def alive(info: dict[str, Any]) -> bool | None:
    """Is the process named by a lock file still running? None when it cannot be told
    (another host)."""
    if not info or "pid" not in info:
        return False
    if info.get("host") != socket.gethostname():
        return None
    pid = int(info["pid"])
    start = process_start(pid)
    if start is None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not Path("/proc").is_dir()  # no /proc: trust the pid
    return info.get("pid_start") in (None, start)


def process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(text[text.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def describe_process(pid: int, lock_file: Path | None = None) -> str:
    """A process named by what it runs: 'newsvault crawl (PID 12, started ...)' for a
    newsvault command, the command line otherwise."""
    info = holder(lock_file) if lock_file is not None else {}
    if info.get("pid") == pid and info.get("command"):
        return f"newsvault {info['command']} (PID {pid}, started {info.get('started', '?')})"
    try:
        argv = [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(
            "utf-8", "replace").split("\0") if a]
    except OSError:
        return f"PID {pid}"
    if not argv:
        return f"PID {pid}"
    if any(Path(a).name == "newsvault" for a in argv[:2]) or argv[1:3] == ["-m", "pipeline"]:
        command = next((a for a in argv[1:] if a in COMMANDS), "")
        return f"newsvault {command} (PID {pid})".replace("  ", " ")
    text = " ".join([Path(argv[0]).name, *argv[1:]])
    return f"{text[:60] + '…' if len(text) > 61 else text} (PID {pid})"


def _write_error(path: Path, exc: OSError) -> WriteError:
    return WriteError(f"cannot write the run lock {path}: {exc.strerror or exc}; free space "
                      "or fix its folder's permissions (crawl.lock_file), then run again")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _read(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict) -> str:
    if not holder:
        return "holder unknown"
    return (f"newsvault {holder.get('command', 'run')}, PID {holder.get('pid', '?')} on "
            f"{holder.get('host', '?')}, started {holder.get('started', '?')}")
