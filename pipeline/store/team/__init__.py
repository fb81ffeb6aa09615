"""Team mode's archive data: DuckLake, its catalog in PostgreSQL and its Parquet files
under warehouse.data_path (issue 16 points 3, 6, 7).  `session` connects and creates the
lake race-free, `lake` writes batches append-only, `maintain` compacts."""
