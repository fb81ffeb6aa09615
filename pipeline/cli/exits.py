"""The documented exit codes (README "Exit codes"); main maps exceptions to them."""

EXIT_OK = 0  # ok
EXIT_FAILURES = 1  # some failures (a site or some articles failed; the rest is stored)
EXIT_USAGE = 2  # usage or configuration error
EXIT_WAREHOUSE = 74  # the warehouse, archive, spool or lock file cannot be written
EXIT_BUSY = 75  # another run holds the lock, or another process holds the DuckDB file
