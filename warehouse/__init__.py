"""The warehouse SQL, shipped inside the package as `pipeline.sql` (see pyproject.toml)."""
