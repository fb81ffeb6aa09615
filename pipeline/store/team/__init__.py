"""Team mode's control state in PostgreSQL (issue 16): schema nv_ctl, psycopg 3.

    schema.ensure(con)            create or upgrade nv_ctl, race-free (advisory xact lock)
    control.PgControl             the frontier, its leases, runs, ids (ControlState)
    locks                         advisory locks: maintenance vs crawls, per-site discovery
    pacer.SharedPacer             the per-host rate as a total over all nodes
"""
