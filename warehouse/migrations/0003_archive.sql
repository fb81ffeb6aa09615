-- Schema version 3: the WARC archive and article versions.
-- Each capture points at its WARC record (file, offset, length); a capture whose payload
-- equals the previous capture of the same URL is a revisit record referring to it.

ALTER TABLE captures ADD COLUMN warc_file VARCHAR;       -- name in the archive folder, or an absolute path (imports)
ALTER TABLE captures ADD COLUMN warc_offset BIGINT;
ALTER TABLE captures ADD COLUMN warc_length BIGINT;
ALTER TABLE captures ADD COLUMN warc_record_id VARCHAR;
ALTER TABLE captures ADD COLUMN record_type VARCHAR;     -- response | revisit | NULL (no response)
ALTER TABLE captures ADD COLUMN payload_digest VARCHAR;  -- sha1:BASE32, as in WARC-Payload-Digest
ALTER TABLE captures ADD COLUMN refers_to BIGINT;        -- the capture a revisit repeats

ALTER TABLE frontier ADD COLUMN refetches INTEGER DEFAULT 0;

-- The earlier states of an article: kept when a re-fetch (an edited story) or a
-- re-extraction (a better extractor) changes its text or metadata.
CREATE TABLE IF NOT EXISTS article_versions (
    article_id        VARCHAR NOT NULL,
    replaced_at       TIMESTAMPTZ NOT NULL,
    reason            VARCHAR NOT NULL,  -- refetch | reextract | import
    replaced_by       BIGINT,            -- capture of the state that replaced it
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
    capture_id        BIGINT,            -- the capture this state was extracted from
    fetched_at        TIMESTAMPTZ
);

-- Which command a run was: crawl | import-warc | reextract.
ALTER TABLE runs ADD COLUMN command VARCHAR DEFAULT 'crawl';
