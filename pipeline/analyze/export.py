"""Exports of articles for analysts: CSV, Parquet (one file or partitioned), JSON lines.

    result = export(settings, ExportOptions("csv", "news.csv", site="36kr",
                    since="2026-01-01", terms=["智谱|DeepSeek"], columns=["article_id", "title"],
                    excel=True))

* CSV is RFC 4180: UTF-8, a header row, CRLF between records, fields with commas,
  quotes or newlines quoted ("" inside), NULL empty and the empty string "".
  `excel` puts a UTF-8 byte order mark first, which a Chinese-locale Excel needs to
  read UTF-8 (without it Excel guesses GBK and shows mojibake); nothing else changes.
* Parquet is one file, or with `partition` a folder in the hive layout
  `site=<site>/month=<YYYY-MM>/data_0.parquet` (Beijing months; undated articles under
  month=__HIVE_DEFAULT_PARTITION__), which DuckDB, pyarrow/pandas and Spark read with
  hive partitioning.  The partition columns live in the paths, not in the files.
* JSON lines: one object per article.

Rows come in the order the warehouse stores them (about the order they were crawled),
streamed from the table to the file without a sort, so that memory stays bounded (see
pipeline.store.exports.STREAMING); sort in the tool that reads the export.

Filters: site, Beijing date range (--until includes its day), terms (each --term a
filters.Series: an article must mention one of its words; several --term must all
match).  Columns: any columns of `articles` (default: EXPORT_COLUMNS).

Everything is written beside the target under a temporary name and renamed into place
(a folder: written as a temporary folder, then renamed), so a reader never sees half an
export; then `<target>.manifest.json` records the query, filters, row count and time.
An existing file or folder is replaced only when it is an earlier export or with `force`,
and never when it is the warehouse, the archive or the spool (pipeline.analyze.export_target).
Temporary names (`.NAME.nvexport-PID-RANDOM.tmp`, `.spill`) are recognised and removed by
the next export into the same folder when their process died; every file and folder gets
the mode the user's umask gives.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.analyze.export_target import (
    check_target,
    clean_stale,
    earlier_export,
    manifest_path,
    proof,
    set_mode,
    temporary,
)
from pipeline.analyze.filters import Range, Series, check_site, parse_all, parse_range, term_ids
from pipeline.analyze.outputs import writable_file, writable_folder
from pipeline.config.settings import Settings
from pipeline.core import faults
from pipeline.core.errors import UsageError
from pipeline.index.segment import Segmenter
from pipeline.store import exports
from pipeline.store.readers import Reader, reading

FORMATS = ("csv", "parquet", "jsonl")
EXPORT_COLUMNS = ("article_id", "site", "kind", "url", "canonical_url", "title", "author",
                  "source", "published_at", "tags", "summary", "lang", "source_url", "body",
                  "first_seen_at", "updated_at", "status", "original_source", "original_author")
EXCEL_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ExportOptions:
    """What `export` writes: the command's options (see the module docstring)."""

    fmt: str  # one of FORMATS
    out: str | os.PathLike[str]  # a file, or a folder with `partition`
    site: str | None = None
    since: str | None = None  # YYYY-MM-DD, Beijing
    until: str | None = None  # included
    terms: Sequence[str] = ()  # each a filters.Series; all must match
    columns: Sequence[str] | None = None  # None: EXPORT_COLUMNS
    excel: bool = False  # CSV with the UTF-8 byte order mark
    partition: bool = False  # Parquet folder by site and month
    force: bool = False  # replace a file or folder that is not an earlier export

    @property
    def filters(self) -> dict[str, Any]:
        return {"site": self.site, "since": self.since, "until": self.until,
                "terms": list(self.terms)}


@dataclass
class ExportResult:
    path: Path
    rows: int
    manifest: Path
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export(settings: Settings, options: ExportOptions) -> ExportResult:
    """Write the selected articles to `options.out`; see the module docstring."""
    fmt, site, excel, partition = options.fmt, options.site, options.excel, options.partition
    _check_options(fmt, excel, partition)
    target = _target(settings, options.out, partition, options.force)
    check_site(settings, site)
    window = parse_range(options.since, options.until)
    series = (parse_all(options.terms, Segmenter.from_settings(settings.terms))
              if options.terms else [])
    previous = proof(target) if target.exists() and earlier_export(target) else None
    tmp, spill = temporary(target, "tmp"), temporary(target, "spill")
    try:
        # The warehouse is held only while the rows are copied (a reader blocks a writer).
        with reading(settings, keep=False) as warehouse:
            chosen = _columns(warehouse, options.columns)
            ids = term_ids(warehouse, series)
            select, params = build_select(chosen, options, window, series, ids)
            rows, files = exports.copy_to(warehouse, select, params, fmt, tmp, spill,
                                          partition)
        faults.checkpoint("export")
        if excel:
            _prepend_bom(tmp, target)
        set_mode(tmp)
        result = ExportResult(target, rows, manifest_path(target), files)
        missing = [t for s in series for t in s.terms if t not in ids]
        if missing:
            result.notes.append(f"never indexed: {', '.join(missing)}")
        if excel and rows > EXCEL_MAX_ROWS:
            result.notes.append(f"{rows} rows: Excel shows only the first {EXCEL_MAX_ROWS}")
        # The manifest first, naming the new export and the one it replaces, so that a
        # kill between the two renames leaves a pair the next export recognises.
        _write_manifest(result.manifest, {**_manifest(result, options, chosen, select, params),
                                          **proof(tmp), "replaces": previous})
        faults.checkpoint("export-rename")
        _move_into_place(tmp, target)
    finally:
        for leftover in (spill, tmp):
            _remove(leftover)
    return result


def _check_options(fmt: str, excel: bool, partition: bool) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if excel and fmt != "csv":
        raise UsageError("--excel is for --format csv (it adds the byte order mark Excel "
                         "needs)")
    if partition and fmt != "parquet":
        raise UsageError("--partition is for --format parquet (a folder partitioned by site "
                         "and month)")


def _target(settings: Settings, out: str | os.PathLike[str], partition: bool,
            force: bool) -> Path:
    """The target, checked before any work (pipeline.analyze.export_target); stale temporary
    files of killed exports beside it are removed."""
    target = Path(out)
    if not partition:
        writable_file(target, "--out")
    elif target.exists() and not target.is_dir():
        raise UsageError(f"--out {target} is a file; --partition writes a folder")
    else:
        writable_folder(target.parent, f"--out {target}:")
    check_target(settings, target, partition, force)
    clean_stale(target.parent)
    return target


def _columns(warehouse: Reader, columns: Sequence[str] | None) -> list[str]:
    known = exports.article_columns(warehouse)
    if not columns:
        return [c for c in EXPORT_COLUMNS if c in known]
    wanted = [c.strip() for c in columns if c.strip()]
    unknown = [c for c in wanted if c not in known]
    if unknown or not wanted:
        raise UsageError(f"--columns: unknown column {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(known)}")
    return list(dict.fromkeys(wanted))


def build_select(columns: Sequence[str], options: ExportOptions, window: Range,
                 series: Sequence[Series], ids: dict[str, int]) -> tuple[str, dict[str, Any]]:
    """The SELECT an export copies, and its parameters (pipeline.store.exports)."""
    groups = [[ids[t] for t in s.terms if t in ids] for s in series]
    return exports.select_articles(columns, options.fmt, options.site, window.since,
                                   window.until, groups, options.partition)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _prepend_bom(path: Path, target: Path) -> None:
    """Put the UTF-8 byte order mark first (DuckDB's CSV writer has no option for it)."""
    name = temporary(target, "bom")
    try:
        with name.open("xb") as out, path.open("rb") as data:
            out.write(BOM)
            shutil.copyfileobj(data, out, 16 << 20)
        os.replace(name, path)
    finally:
        name.unlink(missing_ok=True)


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename; a folder replaces an earlier export folder (or, with --force, any folder)
    by two renames (old aside, new in), so readers see the old export or the new one,
    never a mix."""
    if not tmp.is_dir() or not (target.exists() or target.is_symlink()):
        os.replace(tmp, target)  # a file over a file or a link replaces it in one step
        return
    old = temporary(target, "old")
    os.rename(target, old)
    faults.checkpoint("export-swap")
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(old, target)
        raise
    _remove(old)


def _manifest(result: ExportResult, options: ExportOptions, columns: list[str], select: str,
              params: dict[str, Any]) -> dict[str, Any]:
    """What the manifest records of an export (the proof of the files and the export it
    replaces follow)."""
    return {
        "path": str(result.path), "format": options.fmt, "rows": result.rows,
        "columns": columns, "filters": options.filters, "excel_bom": options.excel,
        "partition_by": ["site", "month"] if options.partition else [],
        "files": result.files, "query": select,
        "parameters": {k: str(v) for k, v in params.items()},
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "newsvault": __version__,
    }


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    tmp = temporary(path, "tmp")
    try:
        with tmp.open("x", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        set_mode(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
