-- Team mode control state, version 4: shared jobs split into leased work units, so N
-- nodes re-extracting or indexing one archive each do a share and none is done twice
-- (pipeline.store.team.work).  A job of a kind (e.g. 'reextract:<version>:<filter>')
-- is planned once, by the first node under an advisory lock: its units are ranges of
-- keys (article ids).  A unit is leased FOR UPDATE SKIP LOCKED until `lease_until`,
-- which the holder's run heartbeat renews; a dead node's units lapse back into the
-- pool.  A unit is done only after its results are committed to the lake.

CREATE TABLE nv_ctl.work_jobs (
    job         text PRIMARY KEY,              -- <kind>#<generation>
    kind        text NOT NULL,                 -- what is done and over which filter
    generation  integer NOT NULL,              -- 1, 2, ...: a new job once one is done
    units       integer NOT NULL,
    items       integer NOT NULL,
    planned_run bigint,
    planned_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, generation)
);

CREATE TABLE nv_ctl.work_units (
    job         text NOT NULL REFERENCES nv_ctl.work_jobs ON DELETE CASCADE,
    unit        integer NOT NULL,
    first_key   text NOT NULL,                 -- the unit's items: keys first_key..last_key
    last_key    text NOT NULL,
    items       integer NOT NULL,              -- how many there were when planned
    state       text NOT NULL DEFAULT 'pending',  -- pending | leased | done
    lease_owner text,
    lease_run   bigint,
    lease_until timestamptz,
    leases      integer NOT NULL DEFAULT 0,    -- times it was handed out
    done_run    bigint,
    done_at     timestamptz,
    PRIMARY KEY (job, unit)
);
CREATE INDEX work_units_open ON nv_ctl.work_units (job, unit) WHERE state <> 'done';
CREATE INDEX work_units_lease_run ON nv_ctl.work_units (lease_run) WHERE state = 'leased';
