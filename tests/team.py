"""Helpers of the team-mode tests: nodes on one PostgreSQL database, processes let go at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pipeline.core.records import Link
from pipeline.store.team.control import PgControl

T = TypeVar("T")
PROC = Path(__file__).resolve().parent / "teamproc.py"


class Nodes:
    """Opens nodes (PgControl) on one database; closes them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[PgControl] = []

    def __call__(self, name: str, lease_ttl: float = 60.0, run: bool = True) -> PgControl:
        """A node; with `run`, a run started on it (its id in `.run_id`)."""
        control = PgControl.at(self.url, node=name, lease_ttl=lease_ttl)
        self.opened.append(control)
        if run:
            control.start_run(control.new_run_id(), ["163"], name, 1, "")
        return control

    def close(self) -> None:
        for control in self.opened:
            control.close()


def links(ids: range | list[int], site: str = "163", list_name: str = "tech") -> list[Link]:
    return [Link(url=f"https://www.163.com/dy/article/{i}.html", article_id=f"{site}:{i}",
                 site=site, list_name=list_name) for i in ids]


def at_once(*work: Callable[[], T]) -> list[T]:
    """Run each callable in its own thread, all released together; their results."""
    gate = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            gate.wait()
            results[i] = work[i]()
        except BaseException as exc:  # handed to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def processes_at_once(*argvs: list[str], timeout: float = 60.0) -> list[tuple[int, str, str]]:
    """Start `tests/teamproc.py ARGV` processes, let them go together once all are up;
    (exit code, stdout, stderr) of each."""
    procs = [subprocess.Popen([sys.executable, str(PROC), *argv], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for argv in argvs]
    for proc in procs:  # each says "ready" once its imports are done
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.communicate(timeout=timeout)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=timeout)
        out.append((proc.returncode, stdout, stderr))
    return out
