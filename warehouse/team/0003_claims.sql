-- Team mode control state, version 3: the run that last tried each item, so a claim never
-- hands an item back to the run that just tried it (it waits for the next run, as in the
-- DuckDB file), and a node's run never holds such items back from the others.
ALTER TABLE nv_ctl.frontier ADD COLUMN tried_run bigint;
