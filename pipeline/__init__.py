"""newsvault: scrape and archive Chinese tech and business news into DuckDB.

The data's path, one module per stage:

    sources/   what to fetch per site: lists, article URLs and ids, page layouts
    fetch/     polite HTTP: rate limits, robots.txt, retries, size caps, --connect-to
    discover   page back through lists until known items; the frontier of work
    decode     bytes to text: BOM, HTTP and <meta> charsets, verified; detection last
    extract/   site body containers and metadata, trafilatura for unknown layouts
    warehouse  DuckDB: migrations, batches, runs
    crawl      the cron job that ties them together
    query      read-only SQL, exports and status
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
