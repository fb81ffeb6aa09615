"""Files named on the command line: saved pages and WARC files, with clear refusals."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.errors import UsageError
from pipeline.core.utf8 import not_utf8


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a saved page") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None


def warc_files(paths: list[str], *, replay: bool = False) -> list[str]:
    """WARC inputs: files, and folders standing for their *.warc and *.warc.gz files.
    `replay`: a file that is not WARC is refused (replay could answer nothing from it);
    otherwise (an import records where each file is) a path must be valid UTF-8."""
    files: list[str] = []
    for given in paths:
        files.extend(_expand(given))
    if replay:
        _check_warc(files)
    else:
        _check_utf8(files)
    return files


def _expand(given: str) -> list[str]:
    path = Path(given)
    if path.is_dir():
        found = sorted(str(p) for p in path.iterdir()
                       if p.name.endswith((".warc", ".warc.gz")) and p.is_file())
        if not found:
            raise UsageError(f"{given}: the folder has no .warc or .warc.gz files; give "
                             "WARC files or a folder of them")
        return found
    if path.is_file():
        return [given]
    raise UsageError(f"{given}: no such file or folder")


def _check_warc(files: list[str]) -> None:
    from pipeline.archive.reader import not_warc

    for file in files:
        try:
            problem = not_warc(Path(file))
        except OSError as exc:
            raise UsageError(f"{file}: cannot read it ({exc.strerror})") from None
        if problem:
            raise UsageError(f"--replay: {problem}; replay needs WARC files "
                             "(.warc or .warc.gz)")


def _check_utf8(files: list[str]) -> None:
    for file in files:
        shown = not_utf8(str(Path(file).resolve()))
        if shown is not None:
            raise UsageError(f"{shown}: the path is not valid UTF-8 and the warehouse "
                             "records it as text; rename the file or folder")
