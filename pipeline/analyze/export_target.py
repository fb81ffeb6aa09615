"""Where an export may write, its temporary names, and the mode of what it writes.

    check_target(settings, target, partition, force)   before any work: UsageError if not
    earlier_export(target)                              its manifest proves it is ours
    temporary(target, "tmp")                            .NAME.nvexport-PID-RANDOM.tmp
    clean_stale(folder)                                 what killed exports left there
    set_mode(path)                                      the umask's mode, files and folders

An export replaces an existing file or folder only when it is an earlier newsvault export
(its manifest names it and still matches it: size and time of a file, the file list of a
folder) or with --force.  Never, even with --force: the warehouse, its WAL, the run lock,
the WARC folder and anything in it, the spool folder and anything in it, a DuckLake
catalog's file and data path (in team mode: the lake's files and the WARC folder under
warehouse.data_path), any folder holding one of these, any DuckDB database or WARC file
(recognised by its first bytes).  Paths are compared after resolving symlinks.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import secrets
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config.settings import Settings
from pipeline.core.errors import UsageError

MARK = "nvexport"
TEMP_KINDS = ("tmp", "spill", "old", "bom")
_TEMP = re.compile(rf"^\.(.+)\.{MARK}-(\d+)-[0-9a-f]+\.({'|'.join(TEMP_KINDS)})$")
_LOCAL_LAKE = re.compile(r"^ducklake:(?:duckdb:)?([^:]+)$")
_DATA_PATH = re.compile(r"DATA_PATH\s+'((?:[^']|'')*)'", re.I)


@dataclass(frozen=True)
class Protected:
    path: Path      # resolved
    what: str
    tree: bool      # everything inside it is protected too


def protected(settings: Settings) -> list[Protected]:
    """What an export never writes onto, even with --force."""
    if settings.team_mode():  # no file, lock or spool: the shared data path's folders
        data = Path(settings.warehouse.data_path)
        return [Protected(path.resolve(), what, True) for path, what in (
            (data / "lake", "the team lake's files"),
            (settings.archive_dir(), "the WARC archive folder"))]
    warehouse = Path(settings.warehouse.path)
    found = [(warehouse, "the warehouse", False),
             (Path(f"{warehouse}.wal"), "the warehouse's write-ahead log", False),
             (settings.lock_path(), "the run lock", False),
             (settings.archive_dir(), "the WARC archive folder", True),
             (settings.spool_dir(), "the spool folder", True)]
    lake = _LOCAL_LAKE.match(settings.warehouse.attach or "")
    if lake:
        found += [(Path(lake[1]), "the DuckLake catalog", False),
                  (Path(f"{lake[1]}.wal"), "the DuckLake catalog's write-ahead log", False)]
    data = _DATA_PATH.search(settings.warehouse.attach_options or "")
    if data and "://" not in data[1]:
        found.append((Path(data[1].replace("''", "'")), "the DuckLake data path", True))
    return [Protected(path.resolve(), what, tree) for path, what, tree in found]


def check_target(settings: Settings, target: Path, partition: bool, force: bool) -> None:
    """UsageError (exit 2) naming the target when the export must not write there."""
    resolved = target.resolve()
    manifest = manifest_path(target)
    for guard in protected(settings):
        where = _relation(resolved, guard) or (
            "is" if manifest.resolve() == guard.path else None)
        if where:
            raise UsageError(f"--out {target} {where} {guard.what} ({guard.path}): an export "
                             "never writes there, even with --force; choose another path")
    if target.exists() or target.is_symlink():
        _check_existing(target, partition, force)
    if manifest.exists() and not force and _manifest(manifest) is None:
        raise UsageError(f"--out {target}: {manifest} exists and is not a newsvault manifest; "
                         "move it, choose another path, or add --force to replace it")


def _relation(resolved: Path, guard: Protected) -> str | None:
    if resolved == guard.path:
        return "is"
    if guard.tree and guard.path in resolved.parents:
        return "is inside"
    if resolved in guard.path.parents:
        return "holds"
    return None


def _check_existing(target: Path, partition: bool, force: bool) -> None:
    kind = "folder" if target.is_dir() else "file"
    precious = _precious(target)
    if precious:
        raise UsageError(f"--out {target}: {precious}; an export never replaces it, even with "
                         "--force; choose another path")
    if force or earlier_export(target):
        return
    raise UsageError(f"--out {target}: that {kind} exists and is not an earlier newsvault export "
                     f"(no {manifest_path(target).name} that matches it); choose a new name, or "
                     "add --force to replace it")


def _precious(target: Path) -> str | None:
    """Why an existing file (or a file in an existing folder) must never be replaced."""
    if target.is_dir():
        for root, _, files in os.walk(target):
            for name in files:
                why = _precious_file(Path(root) / name)
                if why:
                    return f"{Path(root) / name} in it {why.removeprefix('it ')}"
        return None
    return _precious_file(target)


def _precious_file(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return None
    if head[8:12] == b"DUCK":
        return "it is a DuckDB database"
    if head.startswith(b"WARC/"):
        return "it is a WARC file"
    if head.startswith(b"\x1f\x8b"):
        with contextlib.suppress(OSError, EOFError, zlib.error), gzip.open(path, "rb") as fh:
            if fh.read(5) == b"WARC/":
                return "it is a WARC file"
    return None


def manifest_path(target: Path) -> Path:
    return Path(f"{target}.manifest.json")


def _manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "newsvault" in data and "path" in data else None


def earlier_export(target: Path) -> bool:
    """Whether `target` is what a newsvault export wrote, untouched since: its manifest
    names it, and records its size and time (a file) or its files (a folder), or those
    of the export it was replacing (a kill between the manifest and the data rename)."""
    data = _manifest(manifest_path(target))
    if data is None or Path(str(data["path"])).name != target.name:
        return False
    now = proof(target)
    if not target.is_dir() and "bytes" not in data:
        # a manifest of an older newsvault records no size: its name has to do
        return data.get("partition_by") in (None, [])
    recorded = {key: data.get(key) for key in now}
    return now in (recorded, data.get("replaces"))


def proof(path: Path) -> dict[str, Any]:
    """What a manifest records to recognise its export later."""
    if path.is_dir():
        return {"files": files_of(path)}
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def files_of(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


def temporary(target: Path, kind: str) -> Path:
    """A new name beside the target that clean_stale recognises (and no file yet)."""
    assert kind in TEMP_KINDS
    return target.parent / f".{target.name}.{MARK}-{os.getpid()}-{secrets.token_hex(4)}.{kind}"


def clean_stale(folder: Path) -> list[Path]:
    """Remove what exports killed before their end left in `folder` (their process is
    gone), or put back an earlier export a kill left aside; returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in list(folder.iterdir()):
            match = _TEMP.match(entry.name)
            if not match or _alive(int(match[2])):
                continue
            original = folder / match[1]
            if match[3] == "old" and not (original.exists() or original.is_symlink()):
                # killed between moving the earlier export aside and the new one in
                with contextlib.suppress(OSError):
                    os.rename(entry, original)
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def set_mode(path: Path) -> None:
    """The mode a new file or folder gets from the user's umask, for `path` and all in it
    (mkstemp and mkdtemp would give 0600 and 0700)."""
    mask = umask()
    if not path.is_dir():
        os.chmod(path, 0o666 & ~mask)
        return
    os.chmod(path, 0o777 & ~mask)
    for root, dirs, files in os.walk(path):
        for name in dirs:
            os.chmod(Path(root) / name, 0o777 & ~mask)
        for name in files:
            os.chmod(Path(root) / name, 0o666 & ~mask)
