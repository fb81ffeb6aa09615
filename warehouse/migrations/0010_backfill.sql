-- Backfill from public web archives (issue 14): where a capture came from, what the
-- archives' URL indexes hold, how far their paging got, and the ids archived lists named.
-- DuckDB and DuckLake alike: no PRIMARY KEY, UNIQUE, index or sequence.

-- The archive URL a backfilled capture was read from (Wayback `/web/<ts>id_/<url>`, or a
-- Common Crawl file with `#bytes=<first>-<last>`); NULL for the crawl's own fetches.
ALTER TABLE captures ADD COLUMN via VARCHAR;

-- Rows of the archives' URL indexes (CDX) for the sites' article and list URLs.
CREATE TABLE IF NOT EXISTS backfill_index (
    archive     VARCHAR NOT NULL,     -- wayback | commoncrawl
    site        VARCHAR NOT NULL,
    article_id  VARCHAR,              -- NULL for a list page
    kind        VARCHAR NOT NULL,     -- article | newsflash | list
    url         VARCHAR NOT NULL,     -- the original URL as archived
    captured_at TIMESTAMPTZ NOT NULL, -- the archive's capture time
    via         VARCHAR NOT NULL,     -- where the record is read (see captures.via)
    filename    VARCHAR,              -- Common Crawl: WARC file, offset and length
    "offset"    BIGINT,
    length      BIGINT,
    digest      VARCHAR,
    found_run   BIGINT
);

-- Paging position of each index query, so a killed backfill goes on where it stopped.
CREATE TABLE IF NOT EXISTS backfill_cursor (
    query      VARCHAR NOT NULL,      -- archive, crawl, URL pattern and dates, as one key
    position   VARCHAR,               -- Wayback resumeKey or Common Crawl page number
    pages      INTEGER,               -- Common Crawl: pages the query has
    done       BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Article ids named by archived list pages (feeds, channel, newsflash and JSONP lists)
-- or by refused pages, with what the list said; looked up in the indexes once.
CREATE TABLE IF NOT EXISTS backfill_ids (
    article_id   VARCHAR NOT NULL,
    site         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    title        VARCHAR,
    published_at TIMESTAMPTZ,
    looked_up    BOOLEAN NOT NULL,
    found_at     TIMESTAMPTZ NOT NULL
);
