-- newsvault warehouse, schema version 1.
-- Written for DuckDB files and DuckLake catalogs alike: no PRIMARY KEY, UNIQUE, index
-- or sequence (DuckLake has none). One row per key is kept by the writer: a single
-- crawl at a time (the run lock) that MERGEs on the key.

CREATE TABLE IF NOT EXISTS runs (
    run_id        BIGINT NOT NULL,      -- epoch milliseconds at start; increasing
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    outcome       VARCHAR NOT NULL,     -- running | ok | partial | failed | interrupted
    exit_code     INTEGER,
    sites         VARCHAR[],
    summary       VARCHAR,              -- the one-line summary the crawl printed
    version       VARCHAR,              -- newsvault version
    host          VARCHAR,
    pid           INTEGER,
    config_digest VARCHAR               -- sha256 of the effective settings
);

CREATE TABLE IF NOT EXISTS run_sites (
    run_id      BIGINT NOT NULL,
    site        VARCHAR NOT NULL,
    outcome     VARCHAR NOT NULL,       -- ok | partial | failed | skipped
    error       VARCHAR,                -- the first error that made it partial/failed
    list_pages  INTEGER,
    discovered  INTEGER,                -- new items found on lists
    fetched     INTEGER,                -- article pages fetched
    new         INTEGER,                -- articles stored for the first time
    updated     INTEGER,                -- stored articles whose content changed
    unchanged   INTEGER,
    skipped     INTEGER,                -- not articles (blocked, empty, robots, ...)
    failed      INTEGER,                -- fetch or extraction failures
    pending     INTEGER,                -- frontier items left for the next run
    depth_cut   VARCHAR[]               -- lists whose paging stopped at max_pages
);

CREATE TABLE IF NOT EXISTS run_counters (
    run_id BIGINT NOT NULL,
    site   VARCHAR NOT NULL,
    key    VARCHAR NOT NULL,            -- path-like: fetch/status/200, skip/robots, ...
    value  BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS frontier (
    article_id     VARCHAR NOT NULL,    -- 36kr:<itemId> | 163:<docid>
    site           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,    -- article | newsflash
    url            VARCHAR NOT NULL,    -- as listed (the site's own URL)
    list_name      VARCHAR,
    title          VARCHAR,
    listed_at      TIMESTAMPTZ,         -- publish time the list showed
    state          VARCHAR NOT NULL,    -- pending | done | failed | skipped
    attempts       INTEGER NOT NULL,
    last_error     VARCHAR,
    discovered_at  TIMESTAMPTZ NOT NULL,
    discovered_run BIGINT,
    updated_at     TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS captures (
    capture_id   BIGINT NOT NULL,       -- run_id * 1000000 + sequence in the run
    run_id       BIGINT NOT NULL,
    site         VARCHAR,
    purpose      VARCHAR,               -- article | list | robots
    method       VARCHAR,
    url          VARCHAR NOT NULL,      -- the site's own URL (never a --connect-to origin)
    final_url    VARCHAR,
    status       INTEGER,               -- HTTP status; NULL when no response came
    error        VARCHAR,               -- reason token when it failed
    detail       VARCHAR,
    headers      JSON,                  -- response headers as [[name, value], ...]
    content_type VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    elapsed_ms   DOUBLE,
    attempts     INTEGER,
    body_size    BIGINT,
    body_sha256  VARCHAR                -- key into bodies
);

CREATE TABLE IF NOT EXISTS bodies (
    sha256 VARCHAR NOT NULL,
    codec  VARCHAR NOT NULL,            -- zlib
    size   BIGINT NOT NULL,             -- raw bytes
    data   BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS articles (
    article_id        VARCHAR NOT NULL,
    site              VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL, -- article | newsflash
    url               VARCHAR,
    canonical_url     VARCHAR,
    title             VARCHAR,
    body              VARCHAR,          -- paragraphs separated by newlines
    author            VARCHAR,
    source            VARCHAR,          -- 来源: the outlet or account credited
    published_at      TIMESTAMPTZ,
    tags              VARCHAR[],
    summary           VARCHAR,
    lang              VARCHAR,
    source_url        VARCHAR,          -- 原文 link of a newsflash
    extractor         VARCHAR,          -- the rule set that read it
    extractor_version VARCHAR,
    decode_rule       VARCHAR,          -- which charset rule decided, and the codec
    provenance        JSON,             -- field -> rule that produced it
    content_hash      VARCHAR,
    capture_id        BIGINT,           -- the capture it was extracted from
    first_seen_at     TIMESTAMPTZ NOT NULL,
    fetched_at        TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ,      -- last time its content changed
    run_id            BIGINT
);
