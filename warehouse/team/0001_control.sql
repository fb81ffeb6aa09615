-- Team mode control state (issue 16), schema nv_ctl, version 1: the rows that change
-- and need keys, in plain PostgreSQL beside the DuckLake catalog. Applied once per
-- database by the first command, under pg_advisory_xact_lock (pipeline.store.team.schema).
-- The archive data (captures, articles, the term index's rows) is DuckLake's, append-only.

-- Ids from sequences, never max + 1: two nodes never get the same id.
CREATE SEQUENCE nv_ctl.run_ids;
CREATE SEQUENCE nv_ctl.capture_ids;

-- Every item any list showed, once: discovery inserts ON CONFLICT DO NOTHING.
CREATE TABLE nv_ctl.frontier (
    article_id     text PRIMARY KEY,          -- 36kr:<itemId> | 163:<docid>
    site           text NOT NULL,
    kind           text NOT NULL,             -- article | newsflash
    url            text NOT NULL,
    list_name      text,
    title          text,
    listed_at      timestamptz,               -- publish time the list showed
    state          text NOT NULL,             -- pending | leased | done | failed | skipped | refused
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    refetches      integer NOT NULL DEFAULT 0,
    lease_owner    text,                      -- who holds the item while state = 'leased'
    lease_run      bigint,                    -- the holder's run (its heartbeat renews it)
    lease_until    timestamptz,               -- after this, any node may take the item
    leases         integer NOT NULL DEFAULT 0,  -- times it was handed out
    discovered_at  timestamptz NOT NULL DEFAULT now(),
    discovered_run bigint,
    fetched_at     timestamptz,               -- last outcome 'done'
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- The claim order: new items before re-fetches, oldest first.
CREATE INDEX frontier_claim ON nv_ctl.frontier (site, refetches, discovered_at, listed_at, article_id)
    WHERE state IN ('pending', 'leased');
CREATE INDEX frontier_lease_run ON nv_ctl.frontier (lease_run) WHERE state = 'leased';

-- What each list showed, once per list and item (the stop-paging rule).
CREATE TABLE nv_ctl.list_items (
    site       text NOT NULL,
    list_name  text NOT NULL,
    article_id text NOT NULL,
    first_run  bigint NOT NULL,
    PRIMARY KEY (site, list_name, article_id)
);

-- Runs: 'interrupted' only when the heartbeat is stale, never because another node started.
CREATE TABLE nv_ctl.runs (
    run_id        bigint PRIMARY KEY DEFAULT nextval('nv_ctl.run_ids'),
    command       text NOT NULL DEFAULT 'crawl',
    node          text NOT NULL,
    pid           integer,
    sites         text[],
    version       text,
    config_digest text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    outcome       text NOT NULL DEFAULT 'running', -- running | ok | partial | failed | interrupted
    exit_code     integer,
    summary       text,
    error         text,
    error_detail  text,
    progress      text,
    progress_at   timestamptz
);
ALTER SEQUENCE nv_ctl.run_ids OWNED BY nv_ctl.runs.run_id;
CREATE INDEX runs_running ON nv_ctl.runs (heartbeat_at) WHERE outcome = 'running';

CREATE TABLE nv_ctl.run_sites (
    run_id     bigint NOT NULL REFERENCES nv_ctl.runs ON DELETE CASCADE,
    site       text NOT NULL,
    outcome    text NOT NULL,
    error      text,
    list_pages integer,
    discovered integer,
    fetched    integer,
    new        integer,
    updated    integer,
    unchanged  integer,
    skipped    integer,
    failed     integer,
    pending    integer,
    depth_cut  text[],
    block_rate double precision,
    PRIMARY KEY (run_id, site)
);

CREATE TABLE nv_ctl.run_counters (
    run_id bigint NOT NULL REFERENCES nv_ctl.runs ON DELETE CASCADE,
    site   text NOT NULL,
    key    text NOT NULL,
    value  bigint NOT NULL,
    PRIMARY KEY (run_id, site, key)
);

CREATE TABLE nv_ctl.run_lists (
    run_id        bigint NOT NULL REFERENCES nv_ctl.runs ON DELETE CASCADE,
    site          text NOT NULL,
    list_name     text NOT NULL,
    kind          text,
    pages         integer,
    items         integer,
    new           integer,
    horizon_run   bigint,
    reached_known boolean,
    depth_cut     boolean,
    possible_gap  boolean,
    first_read    boolean,
    error         text,
    resume        text,
    PRIMARY KEY (run_id, site, list_name)
);

-- A site left alone after a challenge or risk page: the latest row says until when.
CREATE TABLE nv_ctl.site_cooldowns (
    site   text NOT NULL,
    since  timestamptz NOT NULL,
    until  timestamptz NOT NULL,
    reason text,
    run_id bigint,
    PRIMARY KEY (site, since)
);

-- The text a feed item carried, once per article.
CREATE TABLE nv_ctl.feed_items (
    article_id   text PRIMARY KEY,
    site         text NOT NULL,
    list_name    text,
    url          text,
    title        text,
    published_at timestamptz,
    content      text NOT NULL,
    capture_id   bigint,
    seen_at      timestamptz NOT NULL DEFAULT now()
);

-- Shared politeness: the next start time of each host (or site gate) over all nodes.
CREATE TABLE nv_ctl.hosts (
    host    text PRIMARY KEY,
    next_at timestamptz NOT NULL
);

-- The term vocabulary and document numbers: an id once given is kept.
CREATE SEQUENCE nv_ctl.term_id_seq;
CREATE TABLE nv_ctl.term_ids (
    term    text PRIMARY KEY,
    term_id bigint NOT NULL UNIQUE DEFAULT nextval('nv_ctl.term_id_seq')
);
ALTER SEQUENCE nv_ctl.term_id_seq OWNED BY nv_ctl.term_ids.term_id;
CREATE SEQUENCE nv_ctl.term_doc_seq;
CREATE TABLE nv_ctl.term_docs (
    article_id text PRIMARY KEY,
    doc        bigint NOT NULL UNIQUE DEFAULT nextval('nv_ctl.term_doc_seq')
);
ALTER SEQUENCE nv_ctl.term_doc_seq OWNED BY nv_ctl.term_docs.doc;
