"""The warehouse (DuckDB), its spool and locks: the only owner of the data."""
