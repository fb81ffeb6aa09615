-- Team mode control state, version 2: backfill's archive index rows and paging cursors
-- (migration 0010's tables, with keys), so nodes share what the archives' indexes gave.

CREATE TABLE nv_ctl.backfill_index (
    via         text PRIMARY KEY,         -- where the record is read: each capture once
    archive     text NOT NULL,            -- wayback | commoncrawl
    site        text NOT NULL,
    article_id  text,                     -- NULL for a list page
    kind        text NOT NULL,            -- article | newsflash | list
    url         text NOT NULL,
    captured_at timestamptz NOT NULL,
    filename    text,
    "offset"    bigint,
    length      bigint,
    digest      text,
    found_run   bigint
);
CREATE INDEX backfill_index_article ON nv_ctl.backfill_index (article_id);

CREATE TABLE nv_ctl.backfill_cursor (
    query      text PRIMARY KEY,          -- archive, crawl, URL pattern and dates
    position   text,                      -- Wayback resumeKey or Common Crawl page number
    pages      integer,
    done       boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
