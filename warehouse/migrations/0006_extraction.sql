-- Extraction fidelity (issue 4): an article's status and a reprint's credits, and the
-- extraction health of every crawl run per site (the drift guard).
-- DuckDB and DuckLake alike: no PRIMARY KEY, UNIQUE, index or sequence.

ALTER TABLE articles ADD COLUMN status VARCHAR;           -- ok | paywall (stored, no body)
ALTER TABLE articles ADD COLUMN original_source VARCHAR;  -- a reprint's outlet or WeChat account
ALTER TABLE articles ADD COLUMN original_author VARCHAR;  -- a reprint's author there
UPDATE articles SET status = 'ok' WHERE status IS NULL;   -- rows stored before 0006

CREATE TABLE IF NOT EXISTS extraction_health (
    run_id         BIGINT NOT NULL,
    site           VARCHAR NOT NULL,
    pages          INTEGER NOT NULL,    -- article pages extracted in the run
    empty_share    DOUBLE NOT NULL,     -- no body, or a very short one (not paywalled)
    no_title_share DOUBLE NOT NULL,
    no_date_share  DOUBLE NOT NULL,
    noise_share    DOUBLE NOT NULL,     -- bodies holding a boilerplate marker
    generic_share  DOUBLE NOT NULL,     -- read by the generic fallback, no site template
    blocked_share  DOUBLE NOT NULL      -- block/challenge pages instead of articles
);
