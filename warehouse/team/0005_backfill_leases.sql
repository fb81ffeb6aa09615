-- Team mode control state, version 5: backfill work shared by nodes (issue 16 point 4).
-- An index query is paged by one run at a time, and each archived list page, id to look
-- up and article to read is leased to one run: a lease lasts team.lease_ttl seconds and
-- the holder's heartbeat renews it, so a dead node's work lapses back to the pool.

-- The run paging an index query now (NULL: nobody).
ALTER TABLE nv_ctl.backfill_cursor ADD COLUMN lease_run bigint,
                                   ADD COLUMN lease_until timestamptz;
CREATE INDEX backfill_cursor_lease_run ON nv_ctl.backfill_cursor (lease_run)
    WHERE lease_run IS NOT NULL;

-- Ids archived lists named (or the sites refused), looked up once (the file's 0010 table).
CREATE TABLE nv_ctl.backfill_ids (
    article_id   text PRIMARY KEY,
    site         text NOT NULL,
    kind         text,
    url          text NOT NULL,
    title        text,
    published_at timestamptz,
    looked_up    boolean NOT NULL DEFAULT false,
    found_at     timestamptz NOT NULL DEFAULT now()
);

-- What became of each archived record read (by `via`), recorded with the control rows of
-- the batch that committed its capture to the lake: `final` (stored, or refused: never
-- read again) or how many transient failures.  The file mode reads this off captures.
CREATE TABLE nv_ctl.backfill_reads (
    via        text PRIMARY KEY,
    purpose    text NOT NULL,               -- backfill | backfill-list
    final      boolean NOT NULL,
    failures   integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Units of backfill work and their leases: a list page (key: its via), an id to look up
-- or an article to read (key: the article id).  Whether a unit has work left is derived
-- (backfill_reads, backfill_ids, the lake); the row holds who has it and who tried it.
CREATE TABLE nv_ctl.backfill_work (
    kind        text NOT NULL,              -- list | lookup | article
    key         text NOT NULL,
    site        text NOT NULL,
    lease_run   bigint,                     -- the run holding it (its heartbeat renews it)
    lease_until timestamptz,                -- after this, any run may take it
    tried_run   bigint,                     -- the last run handed it: never twice per run
    leases      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
);
CREATE INDEX backfill_work_lease_run ON nv_ctl.backfill_work (lease_run)
    WHERE lease_run IS NOT NULL;
