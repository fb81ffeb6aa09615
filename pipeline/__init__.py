"""newsvault: scrape and archive Chinese tech and business news into DuckDB.

Stage packages in the data's order; each imports only from the ones below it
(`lint-imports` checks it, with the contracts in pyproject.toml):

    cli/       the `newsvault` command: arguments to library calls, errors to exit codes
    demo/      synthetic 36Kr and NetEase sites on 127.0.0.1, and a crawl of them
    jobs/      the runs: crawl (recorder, refusal, report, runs), reextract, import-warc,
               backfill
    analyze/   reading the warehouse: sql and status (query), export, trend, plot, coverage
    index/     jieba segmentation, the term index, SimHash fingerprints
    store/     the warehouse's one owner (all SQL): the ControlState and ArchiveData
               interfaces (store/interfaces.py), DuckDB and the spool implementing them
    archive/   WARC files: writer, reader, replay
    extract/   an article from a page: the site's reader, else the generic path; health
    discover/  site lists paged back to known items (the frontier), links, archive indexes
    fetch/     polite HTTP: rate limits, robots.txt, retries, size caps, --connect-to
    config/    the settings registry, loaded and validated once (it knows the sites)
    sources/   the sites: the Source interface, the registry (one line per site), one
               sub-package per site with its defaults (kr36/, netease/;
               docs/adding-a-site.md)
    page/      bytes to text (decode), the parsed Page, text tools the readers share
    core/      the exception tree, records crossing stages, fault points, settings fields
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
