"""`migrate-to`: move a DuckDB file archive into team mode (issue 16 point 1).

    report = migrate_to(settings, "postgresql://nv@db/news")

`settings` name the file archive (warehouse.path, archive.dir) and the team's shared
root (warehouse.data_path). The WARC files are copied first, under the same names, into
`warc/` below the data path (each to a temporary name, then renamed; one already there
with the same size is kept), so every node can read every capture and no row ever points
at a file not there yet; the file archive is left as it was. Captures of imported WARC
files outside the archive folder keep their absolute paths. Then the rows move
(pipeline.store.team.migrate): the archive data into DuckLake, the control state into
PostgreSQL. A rerun adds nothing twice; a target holding anything but this archive's
earlier migration is refused (UsageError, exit 2).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config.checks import team_uri_problem
from pipeline.config.settings import Settings
from pipeline.core.errors import ConfigError, UsageError, WriteError
from pipeline.store.team.lake import Lake
from pipeline.store.team.migrate import copy_archive, warc_files


@dataclass
class MigrateReport:
    source: str
    target: str
    warc_copied: int = 0
    warc_kept: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        moved = sum(self.rows.values())
        busiest = ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)
        added = busiest or "none: all there already"
        return (f"newsvault migrate-to ok: {moved} rows added ({added}); {self.warc_copied} "
                f"WARC files copied, {self.warc_kept} already there")


def team_settings(settings: Settings, target: str) -> Settings:
    """The settings of the team warehouse `target`, beside the file's."""
    if settings.team_mode():
        raise UsageError("migrate-to moves a DuckDB file archive: --warehouse names a team "
                         "warehouse already; give the file's path")
    problem = team_uri_problem(target)
    if problem:
        raise UsageError(f"migrate-to: {problem}")
    if not settings.warehouse.data_path:
        raise ConfigError("migrate-to needs warehouse.data_path (env NEWSVAULT_DATA_PATH), "
                          "the team's shared folder for DuckLake's files and the WARC archive")
    return dataclasses.replace(
        settings, warehouse=dataclasses.replace(settings.warehouse, path=target),
        archive=dataclasses.replace(settings.archive, dir=""))


def migrate_to(settings: Settings, target: str,
               progress: Callable[[str], None] | None = None) -> MigrateReport:
    team = team_settings(settings, target)
    source = settings.warehouse.path
    if not Path(source).is_file():
        raise UsageError(f"migrate-to: no DuckDB file at {source}; give the file archive "
                         "with --warehouse")
    report = MigrateReport(source, target)
    say = progress or (lambda text: None)
    say("copying WARC files")
    report.warc_copied, report.warc_kept = copy_warcs(
        warc_files(source), settings.archive_dir(), team.archive_dir())
    say("moving rows")
    with Lake.open(team) as lake:
        report.rows = copy_archive(lake, source)
    return report


def copy_warcs(names: list[str], source: Path, target: Path) -> tuple[int, int]:
    """Each relative WARC name from `source` to `target` (copied, kept if there)."""
    copied = kept = 0
    for name in names:
        if Path(name).is_absolute():
            continue  # an imported file outside the archive: its path is kept
        src, dst = source / name, target / name
        if not src.is_file():
            raise UsageError(f"migrate-to: the archive file {src} is missing; restore it "
                             "or set archive.dir to the folder that holds it")
        if dst.is_file() and dst.stat().st_size == src.stat().st_size:
            kept += 1
            continue
        if dst.exists():
            raise WriteError(f"migrate-to: {dst} exists with other contents; move it away")
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            part = dst.with_name(dst.name + ".migrating")
            shutil.copy2(src, part)
            os.replace(part, dst)
        except OSError as exc:
            raise WriteError(f"migrate-to: cannot copy {src} to {dst}: "
                             f"{exc.strerror or exc}") from None
        copied += 1
    return copied, kept
