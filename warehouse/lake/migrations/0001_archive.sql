-- Team mode's archive data (issue 16 point 3): a DuckLake catalog in PostgreSQL, its
-- Parquet files under warehouse.data_path.  Crawlers only INSERT into these tables (a
-- DuckLake UPDATE or DELETE of any row makes every concurrent INSERT into the table fail
-- at commit); `newsvault maintain` is the one job that rewrites them, alone (an exclusive
-- PostgreSQL advisory lock).  No PRIMARY KEY, UNIQUE or SEQUENCE (DuckLake has none):
-- ids come from PostgreSQL sequences, and a view keeps the latest row of a key.
-- Column meanings are those of the DuckDB file's tables (warehouse/migrations).

CREATE TABLE IF NOT EXISTS lake_schema (
    version    INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    node       VARCHAR NOT NULL
);

-- One row per committed batch: a batch retried after an unclear commit failure is
-- looked up here first and never applied twice.
CREATE TABLE IF NOT EXISTS lake_batches (
    batch_id     VARCHAR NOT NULL,      -- <node>:<run>:<uuid>
    node         VARCHAR NOT NULL,
    run_id       BIGINT,
    kind         VARCHAR NOT NULL,      -- archive | health | ...
    captures     INTEGER NOT NULL,
    states       INTEGER NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS captures (
    capture_id     BIGINT NOT NULL,
    run_id         BIGINT NOT NULL,
    site           VARCHAR,
    purpose        VARCHAR,
    method         VARCHAR,
    url            VARCHAR NOT NULL,
    final_url      VARCHAR,
    status         INTEGER,
    error          VARCHAR,
    detail         VARCHAR,
    headers        JSON,
    content_type   VARCHAR,
    fetched_at     TIMESTAMPTZ NOT NULL,
    elapsed_ms     DOUBLE,
    attempts       INTEGER,
    body_size      BIGINT,
    body_sha256    VARCHAR,
    warc_file      VARCHAR,             -- relative to the archive root (data_path/warc)
    warc_offset    BIGINT,
    warc_length    BIGINT,
    warc_record_id VARCHAR,
    record_type    VARCHAR,
    payload_digest VARCHAR,
    refers_to      BIGINT,
    via            VARCHAR,
    node           VARCHAR NOT NULL,    -- the node that fetched it
    batch_id       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS bodies (
    sha256 VARCHAR NOT NULL,            -- two nodes may both add one: readers take any
    codec  VARCHAR NOT NULL,
    size   BIGINT NOT NULL,
    data   BLOB NOT NULL
);

-- One row per stored extraction (a new article, a changed or re-extracted one, a
-- refetch that found it unchanged): `articles` is the latest row per article_id.
CREATE TABLE IF NOT EXISTS article_states (
    article_id        VARCHAR NOT NULL,
    site              VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,
    url               VARCHAR,
    canonical_url     VARCHAR,
    title             VARCHAR,
    body              VARCHAR,
    author            VARCHAR,
    source            VARCHAR,
    published_at      TIMESTAMPTZ,
    tags              VARCHAR[],
    summary           VARCHAR,
    lang              VARCHAR,
    source_url        VARCHAR,
    extractor         VARCHAR,
    extractor_version VARCHAR,
    decode_rule       VARCHAR,
    provenance        JSON,
    content_hash      VARCHAR,
    capture_id        BIGINT,
    first_seen_at     TIMESTAMPTZ NOT NULL, -- carried over from the state before
    fetched_at        TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ,          -- last change of content, carried over
    run_id            BIGINT,
    status            VARCHAR,
    original_source   VARCHAR,
    original_author   VARCHAR,
    node              VARCHAR NOT NULL,
    batch_id          VARCHAR NOT NULL,
    stored_at         TIMESTAMPTZ NOT NULL  -- the batch's commit time on its node
);

CREATE TABLE IF NOT EXISTS article_versions (
    article_id        VARCHAR NOT NULL,
    replaced_at       TIMESTAMPTZ NOT NULL,
    reason            VARCHAR NOT NULL,
    replaced_by       BIGINT,
    title             VARCHAR,
    body              VARCHAR,
    author            VARCHAR,
    source            VARCHAR,
    published_at      TIMESTAMPTZ,
    tags              VARCHAR[],
    summary           VARCHAR,
    extractor         VARCHAR,
    extractor_version VARCHAR,
    content_hash      VARCHAR,
    capture_id        BIGINT,
    fetched_at        TIMESTAMPTZ,
    node              VARCHAR NOT NULL,
    batch_id          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS extraction_health (
    run_id         BIGINT NOT NULL,
    site           VARCHAR NOT NULL,
    pages          INTEGER NOT NULL,
    empty_share    DOUBLE NOT NULL,
    no_title_share DOUBLE NOT NULL,
    no_date_share  DOUBLE NOT NULL,
    noise_share    DOUBLE NOT NULL,
    generic_share  DOUBLE NOT NULL,
    blocked_share  DOUBLE NOT NULL,
    node           VARCHAR NOT NULL
);

-- The term index: doc numbers (one per article, kept) and term ids come from
-- PostgreSQL (nv_ctl.term_docs, nv_ctl.term_ids), never max + 1.  Each indexing of an
-- article is an `entry` (the batch that wrote it): its term_docs row and its term_rows;
-- re-indexing adds a new entry and negative term_days deltas for the old one, whose
-- rows stay (only the current entry is read).  term_days holds deltas that
-- `newsvault maintain` compacts into one row per term, site and day.
CREATE TABLE IF NOT EXISTS term_vocab (
    term_id INTEGER NOT NULL,          -- a copy of nv_ctl.term_ids for the views (two
    term    VARCHAR NOT NULL           -- nodes may both add one: the views take it once)
);

CREATE TABLE IF NOT EXISTS term_docs (
    doc           BIGINT NOT NULL,
    article_id    VARCHAR NOT NULL,
    site          VARCHAR NOT NULL,
    day           DATE,
    content_hash  VARCHAR,
    index_version VARCHAR NOT NULL,
    terms         INTEGER NOT NULL,
    simhash       BIGINT,
    cluster       BIGINT NOT NULL,
    indexed_at    TIMESTAMPTZ NOT NULL,
    entry         VARCHAR NOT NULL,
    node          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS term_rows (
    doc      BIGINT NOT NULL,
    term_id  INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    in_title BOOLEAN NOT NULL,
    day      DATE,
    entry    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS term_days (
    term_id        INTEGER NOT NULL,
    site           VARCHAR NOT NULL,
    day            DATE NOT NULL,
    articles       INTEGER NOT NULL,
    mentions       INTEGER NOT NULL,
    title_articles INTEGER NOT NULL,
    compacted      BOOLEAN NOT NULL
);

CREATE OR REPLACE VIEW term_ids AS SELECT DISTINCT term_id, term FROM term_vocab;

-- The current indexing of each article (doc).
CREATE OR REPLACE VIEW term_docs_current AS
SELECT * FROM term_docs
QUALIFY row_number() OVER (PARTITION BY doc ORDER BY indexed_at DESC, entry DESC) = 1;

-- One row per article and term, as analysts expect it (the file's `terms` view).
CREATE OR REPLACE VIEW terms AS
SELECT d.article_id, v.term, r.count, r.in_title, d.site, r.day, r.term_id, r.doc
FROM term_rows AS r
JOIN term_docs_current AS d USING (doc, entry)
JOIN term_ids AS v USING (term_id);

CREATE OR REPLACE VIEW term_daily AS
SELECT v.term, t.site, t.day, sum(t.mentions)::BIGINT AS mentions,
       sum(t.articles)::BIGINT AS articles, sum(t.title_articles)::BIGINT AS title_articles,
       t.term_id
FROM term_days AS t
JOIN term_ids AS v USING (term_id)
GROUP BY ALL;

-- The current state of each article: its latest stored row (a duplicate left by an
-- expired lease, or a refetch, is absorbed here).  The writer's stage_current.sql
-- ranks the same way.
CREATE OR REPLACE VIEW articles AS
SELECT article_id, site, kind, url, canonical_url, title, body, author, source,
       published_at, tags, summary, lang, source_url, extractor, extractor_version,
       decode_rule, provenance, content_hash, capture_id, first_seen_at, fetched_at,
       updated_at, run_id, status, original_source, original_author
FROM article_states
QUALIFY row_number() OVER (PARTITION BY article_id
                           ORDER BY stored_at DESC, fetched_at DESC, capture_id DESC) = 1;

CREATE OR REPLACE VIEW site_daily AS
SELECT site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       count(*) AS articles
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL;
