"""Every exception newsvault raises for a user is in the one tree the CLI maps to exit codes."""

from __future__ import annotations

from pipeline.archive.reader import ArchiveDamaged
from pipeline.cli.main import EXIT_CODES
from pipeline.core.errors import PipelineError


def test_a_damaged_archive_is_a_pipeline_error_with_an_exit_code():
    damaged = ArchiveDamaged("truncated record in a.warc.gz at 120", offset=120)
    assert isinstance(damaged, PipelineError) and damaged.offset == 120
    assert next(code for cls, code in EXIT_CODES if isinstance(damaged, cls)) == 1
