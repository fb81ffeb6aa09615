-- Session-local staging tables the writer fills before merging a batch.
CREATE OR REPLACE TEMP TABLE staged_links (
    article_id VARCHAR, site VARCHAR, kind VARCHAR, url VARCHAR, list_name VARCHAR,
    title VARCHAR, listed_at TIMESTAMPTZ, state VARCHAR
);
CREATE OR REPLACE TEMP TABLE staged_articles AS SELECT * FROM articles LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_bodies AS SELECT * FROM bodies LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_done (
    article_id VARCHAR, state VARCHAR, error VARCHAR
);
CREATE OR REPLACE TEMP TABLE staged_listed (
    site VARCHAR, list_name VARCHAR, article_id VARCHAR
);
CREATE OR REPLACE TEMP TABLE staged_feed (
    article_id VARCHAR, site VARCHAR, list_name VARCHAR, url VARCHAR, title VARCHAR,
    listed_at TIMESTAMPTZ, content VARCHAR, capture_id BIGINT
);
