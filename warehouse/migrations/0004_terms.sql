-- The term index (issue 7): the words of each article's title and body as jieba
-- segments them, with the user dictionary (configs/terms.txt) and stop-words applied.
-- Written by pipeline.terms (crawl hook and `newsvault terms`), one article at a time in
-- one transaction, so an article is either fully indexed or not at all. DuckLake-safe:
-- no keys, indexes or sequences; the writer (under the run lock) keeps one row per key.

-- One row per article and term.
CREATE TABLE IF NOT EXISTS terms (
    article_id VARCHAR NOT NULL,
    term       VARCHAR NOT NULL,    -- normal form: dictionary spelling, else lower case
    count      INTEGER NOT NULL,    -- occurrences in title and body
    in_title   BOOLEAN NOT NULL,    -- occurs in the title
    term_id    INTEGER NOT NULL,    -- term_ids.term_id: trends filter on this integer
    site       VARCHAR NOT NULL,    -- the article's, copied so trends need no join
    day        DATE                 -- the article's Beijing publish day, likewise
);

-- The vocabulary: one integer per term, in order of first appearance.
CREATE TABLE IF NOT EXISTS term_ids (
    term_id INTEGER NOT NULL,
    term    VARCHAR NOT NULL
);

-- One row per indexed article: what it was indexed from, and its near-duplicate cluster.
CREATE TABLE IF NOT EXISTS term_docs (
    article_id    VARCHAR NOT NULL,
    site          VARCHAR NOT NULL,
    day           DATE,             -- Beijing publish day
    content_hash  VARCHAR,          -- articles.content_hash when indexed (differs: stale)
    index_version VARCHAR NOT NULL, -- digest of segmenter, rules, dictionary, stop-words
    terms         INTEGER NOT NULL, -- distinct terms kept
    simhash       BIGINT,           -- 64-bit SimHash of the body's terms (NULL: no terms)
    cluster       VARCHAR NOT NULL, -- article_id naming its cluster of near-duplicates
    indexed_at    TIMESTAMPTZ NOT NULL
);

-- Articles per site and Beijing day: the denominators of shares of coverage.
CREATE OR REPLACE VIEW site_daily AS
SELECT site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       count(*) AS articles
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL;

-- Per term, site and Beijing day: mentions (occurrences) and articles mentioning it.
CREATE OR REPLACE VIEW term_daily AS
SELECT term, site, day, sum(count) AS mentions, count(*) AS articles,
       count(*) FILTER (WHERE in_title) AS title_articles
FROM terms
WHERE day IS NOT NULL
GROUP BY ALL;
