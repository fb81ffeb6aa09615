"""Team mode (issue 16): control state in PostgreSQL (schema nv_ctl, psycopg 3) and the
archive data in DuckLake, its catalog in the same PostgreSQL and its Parquet files under
warehouse.data_path.

    schema.ensure(con)            create or upgrade nv_ctl, race-free (advisory xact lock)
    control.PgControl             the frontier, its leases, runs, ids (ControlState)
    work                          shared jobs' work units, leased (reextract, terms)
    locks                         advisory locks: maintenance vs crawls, per-site discovery
    pacer.SharedPacer             the per-host rate as a total over all nodes
    session                       the DuckLake ATTACH, created and migrated race-free
    lake.Lake                     captures, article states, versions, health (ArchiveData)
    maintain                      compaction and file clean-up (`newsvault maintain`)
"""
