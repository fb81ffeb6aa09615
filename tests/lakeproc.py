"""A lake-writing node for the multi-process tests: `python tests/lakeproc.py URI SHARED
NODE RUN BATCHES`.  Says `ready`, waits for a line on stdin (so the test lets several go
at once), writes BATCHES batches of 10 pages with DuckLake's own retries off, and
prints its whole-batch retries."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.store.team.lake import Lake
from tests.lake import batch, team_settings


def main(uri: str, shared: str, node: str, run_id: int, batches: int) -> None:
    with Lake.open(team_settings(uri, Path(shared), node)) as lake:
        lake.con.execute("SET ducklake_max_retry_count = 0")
        lake.max_tries = 30
        print("ready", flush=True)
        sys.stdin.readline()
        for b in range(batches):
            first = run_id * 1000 + b * 10
            lake.write_archive(batch(range(first, first + 10), run_id=run_id), run_id)
        print(lake.retries, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
