"""Checks on where an export or a plot is to be written, before any work is done."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.errors import UsageError


def writable_file(path: str | os.PathLike[str], flag: str) -> Path:
    """The target file, or a UsageError saying why nothing can be written there."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{flag} {target} is a folder; give a file name")
    writable_folder(target.parent, f"{flag} {target}:")
    return target


def writable_folder(folder: Path, what: str) -> Path:
    """A folder new files can be created in (the target's, for temp-then-rename)."""
    if not folder.is_dir():
        reason = "is a file, not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"{what} the folder {folder} {reason}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{what} cannot write in the folder {folder} (permission denied)")
    return folder
