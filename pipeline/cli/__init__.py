"""The `newsvault` command: a thin skin over the library functions."""
