"""`newsvault import-warc`: ingest WARC files (pipeline.jobs.importer.import_warc)."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.inputs import warc_files
from pipeline.cli.options import Commands, load_settings


def register(commands: Commands) -> None:
    p = commands.add("import-warc", run, help="ingest WARC files",
                     description="Ingest standard WARC files (gzip or not): records of known "
                                 "sites become captures and articles as in a crawl. The "
                                 "files stay where they are and are referenced; a folder "
                                 "stands for its *.warc and *.warc.gz files. Example: "
                                 "newsvault import-warc crawl-2026-11.warc.gz")
    p.add_argument("files", nargs="+", metavar="FILE|FOLDER")


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.importer import import_warc

    report, files = import_warc(load_settings(args), warc_files(args.files))
    for outcome in files:
        print(outcome.line(), file=sys.stderr if outcome.error else sys.stdout)
    print(report.summary)
    return report.exit_code
