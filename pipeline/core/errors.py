"""The exceptions newsvault raises, and what a user can do about each.

    PipelineError                 base: every message names the thing and what to do
    ├── ConfigError               a config file, key or value is wrong        (exit 2)
    ├── UsageError                a command-line argument or input file is wrong (exit 2)
    ├── QueryError                SQL given to `newsvault sql` failed          (exit 2)
    ├── LockHeld                  another crawl holds the run lock             (exit 75)
    ├── WarehouseError            the DuckDB warehouse cannot be used          (exit 74)
    │   └── WarehouseBusy         another process holds the DuckDB file        (exit 75)
    ├── WriteError                a WARC file, the spool or the run lock cannot be written
    │                             (disk full, read-only, permissions)          (exit 74)
    ├── RunFailed                 a run stopped by an unexpected error (recorded) (exit 1)
    ├── SourceError               a list page no longer has the structure a source expects
    ├── ExtractError              a page is not an article we can read (empty, binary, ...)
    └── ArchiveDamaged            a WARC record cannot be read (damage at `offset`) (exit 1)

Per-URL fetch failures are not exceptions: a `Fetched` record carries the reason
(see pipeline.fetch), so a crawl counts them and goes on.  Only the CLI turns these
exceptions into exit codes (pipeline.cli.main.EXIT_CODES).
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: the message is one line a user can act on."""


class ConfigError(PipelineError):
    """A configuration file, key or value is invalid."""


class UsageError(PipelineError):
    """A command-line argument or an input file is invalid."""


class QueryError(PipelineError):
    """An SQL query failed."""


class LockHeld(PipelineError):
    """Another run holds the crawl lock."""

    def __init__(self, message: str, holder: dict | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


class WarehouseError(PipelineError):
    """The warehouse cannot be opened, migrated or written."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB file (DuckDB allows one writer or many readers)."""


class WriteError(PipelineError):
    """A file of the archive, the spool or the run lock cannot be written."""


class RunFailed(PipelineError):
    """A run stopped by an unexpected error (recorded with its whole text)."""


class SourceError(PipelineError):
    """A list page lacks the structure its source expects: the site may have changed."""

    def __init__(self, message: str, reason: str = "layout") -> None:
        super().__init__(message)
        self.reason = reason


class ExtractError(PipelineError):
    """A page cannot be read as an article; `reason` is a short token for counters."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArchiveDamaged(PipelineError):
    """A WARC record cannot be read; `offset` is where the damage starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset
