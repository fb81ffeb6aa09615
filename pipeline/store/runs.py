"""The DuckDB file's runs: ids, start and finish records, progress, the run lock."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.core.records import utcnow
from pipeline.store.lock import RunLock
from pipeline.store.queries import sql_text
from pipeline.store.records import RUN_LIST_COLUMNS
from pipeline.store.session import Session


class Runs(Session):
    # The run lock's file (crawl.lock_file); None: beside the warehouse file.
    lock_file: Path | None = None

    def new_run_id(self) -> int:
        now = int(utcnow().timestamp() * 1000)
        row = self.con.execute("SELECT max(run_id) FROM runs").fetchone()
        last = int(row[0]) if row and row[0] is not None else 0
        return max(now, last + 1)

    def start_run(self, run_id: int, sites: list[str], host: str, pid: int,
                  config_digest: str, command: str = "crawl") -> None:
        now = utcnow()
        self._transaction(lambda: (
            self.con.execute(sql_text("interrupt_stale_runs"), {"now": now}),
            self.con.execute("INSERT INTO runs (run_id, started_at, outcome, sites, version, "
                             "host, pid, config_digest, command) "
                             "VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                             [run_id, now, sites, __version__, host, pid, config_digest,
                              command]),
        ))

    def finish_run(self, run_id: int, outcome: str, exit_code: int, summary: str,
                   sites: list[dict[str, Any]], counters: list[tuple[str, str, int]],
                   error: str | None = None, error_detail: str | None = None) -> None:
        lists = [[run_id, s["site"], *(row[c] for c in RUN_LIST_COLUMNS)]
                 for s in sites for row in s.get("lists", ())]
        rows = [{k: v for k, v in s.items() if k != "lists"} for s in sites]

        def write() -> None:
            self.con.execute("UPDATE runs SET finished_at = ?, outcome = ?, exit_code = ?, "
                             "summary = ?, error = ?, error_detail = ? WHERE run_id = ?",
                             [utcnow(), outcome, exit_code, summary, error, error_detail,
                              run_id])
            if lists:
                self.con.executemany(
                    f"INSERT INTO run_lists (run_id, site, {', '.join(RUN_LIST_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(RUN_LIST_COLUMNS) + 2))})", lists)
            if rows:
                columns = ["run_id", *rows[0]]
                self.con.executemany(
                    f"INSERT INTO run_sites ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    [[run_id, *s.values()] for s in rows])
            if counters:
                self.con.executemany("INSERT INTO run_counters (run_id, site, key, value) "
                                     "VALUES (?, ?, ?, ?)",
                                     [[run_id, site, key, value] for site, key, value in counters])
        self._transaction(write)

    def set_progress(self, run_id: int, progress: str) -> None:
        """A running run's counts so far (what `newsvault status` shows)."""
        self._transaction(lambda: self.con.execute(
            "UPDATE runs SET progress = ?, progress_at = ? WHERE run_id = ?",
            [progress, utcnow(), run_id]))

    def heartbeat(self, run_id: int) -> None:
        """Nothing to renew: the run lock's flock lives as long as the process."""

    def run_lock(self, command: str) -> RunLock:
        """The run lock (an flock on crawl.lock_file, default beside the warehouse)."""
        return RunLock(self.lock_file or Path(self.settings.path + ".lock"), command)

    def discovery(self, site: str) -> contextlib.AbstractContextManager[bool]:
        """One writer: its run pages every list."""
        return contextlib.nullcontext(True)
