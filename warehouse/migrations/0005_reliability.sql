-- Schema version 5: block rates per run and site; spool files merged once.

-- Share of answered pages that were block or challenge pages (NULL: nothing answered).
ALTER TABLE run_sites ADD COLUMN block_rate DOUBLE;

-- Batches a crawl kept outside the warehouse while another process held the file,
-- merged by a later run; a name is merged once even if that run is killed midway.
CREATE TABLE IF NOT EXISTS spool_merged (
    name      VARCHAR NOT NULL,
    merged_at TIMESTAMPTZ NOT NULL
);
