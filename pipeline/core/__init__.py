"""Core: the exception tree, fault points for tests, records crossing stages."""
