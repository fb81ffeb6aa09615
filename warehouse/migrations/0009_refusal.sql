-- Refusals (issue 13): a site's cooldown after a challenge or risk page, kept across runs,
-- and the full text a feed gave for an article, kept for when its page is refused.
-- DuckDB and DuckLake alike: no PRIMARY KEY, UNIQUE, index or sequence.

-- One row per cooldown begun; the latest row of a site says until when it is left alone.
CREATE TABLE IF NOT EXISTS site_cooldowns (
    site    VARCHAR NOT NULL,
    since   TIMESTAMPTZ NOT NULL,       -- when the challenge or risk page came
    until   TIMESTAMPTZ NOT NULL,       -- no request to the site's hosts before this
    reason  VARCHAR,                    -- the page that started it, for a human
    run_id  BIGINT
);

-- The text a feed item carried (its <description>, as served), one row per article:
-- stored as the article (status 'feed') when the page is refused, and kept afterwards.
CREATE TABLE IF NOT EXISTS feed_items (
    article_id   VARCHAR NOT NULL,
    site         VARCHAR NOT NULL,
    list_name    VARCHAR,
    url          VARCHAR,
    title        VARCHAR,
    published_at TIMESTAMPTZ,
    content      VARCHAR NOT NULL,      -- HTML of the feed item's body
    capture_id   BIGINT,                -- the feed page it came from
    seen_at      TIMESTAMPTZ NOT NULL
);
