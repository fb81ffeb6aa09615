-- The term index (issue 7): the words of each article's title and body as jieba
-- segments them, with the user dictionary (configs/terms.txt) and stop-words applied.
-- Written by pipeline.terms (the crawl hook and `newsvault terms`) under the run lock, a
-- batch of articles per transaction, so an article is fully indexed or not at all.
-- DuckLake-safe: no keys, indexes or sequences; the one writer numbers docs and terms.
--
-- Stored compactly (integers), read through the views `terms` and `term_daily`:
--   term_ids   vocabulary: term <-> term_id
--   term_docs  one row per indexed article: doc number, what it was indexed from,
--              SimHash and near-duplicate cluster
--   term_rows  one row per article (doc) and term
--   term_days  per term, site and Beijing day: articles and mentions. `newsvault terms`
--              recounts a month from term_rows (sorted by term_id, so a trend reads a
--              few row groups); the crawl adds deltas (negative ones for a re-indexed
--              article) until the next recount
--   term_recount  months a bulk index has marked for a recount

CREATE TABLE IF NOT EXISTS term_ids (
    term_id INTEGER NOT NULL,
    term    VARCHAR NOT NULL        -- normal form: dictionary spelling, else case-folded
);

CREATE TABLE IF NOT EXISTS term_docs (
    doc           INTEGER NOT NULL, -- the article's number in the index
    article_id    VARCHAR NOT NULL,
    site          VARCHAR NOT NULL,
    day           DATE,             -- Beijing publish day
    content_hash  VARCHAR,          -- articles.content_hash when indexed (differs: stale)
    index_version VARCHAR NOT NULL, -- digest of segmenter, rules, dictionary, stop-words
    terms         INTEGER NOT NULL, -- distinct terms kept
    simhash       BIGINT,           -- 64-bit SimHash of the body's terms (NULL: too short)
    cluster       INTEGER NOT NULL, -- doc naming its cluster of near-duplicates (own if none)
    indexed_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS term_rows (
    doc      INTEGER NOT NULL,
    term_id  INTEGER NOT NULL,
    count    INTEGER NOT NULL,      -- occurrences in title and body
    in_title BOOLEAN NOT NULL,
    day      DATE                   -- the article's, so deletes skip other days
);

CREATE TABLE IF NOT EXISTS term_days (
    term_id        INTEGER NOT NULL,
    site           VARCHAR NOT NULL,
    day            DATE NOT NULL,
    articles       INTEGER NOT NULL, -- articles mentioning the term (a delta)
    mentions       INTEGER NOT NULL, -- occurrences (a delta)
    title_articles INTEGER NOT NULL, -- articles with the term in the title (a delta)
    compacted      BOOLEAN NOT NULL  -- written by a recount (else a delta since)
);

CREATE TABLE IF NOT EXISTS term_recount (
    month DATE NOT NULL             -- first day of a month whose term_days need a recount
);

-- One row per article and term, as analysts expect it.
CREATE OR REPLACE VIEW terms AS
SELECT d.article_id, v.term, r.count, r.in_title, d.site, r.day, r.term_id, r.doc
FROM term_rows AS r
JOIN term_ids AS v USING (term_id)
JOIN term_docs AS d USING (doc);

-- Articles per site and Beijing day: the denominators of shares of coverage.
CREATE OR REPLACE VIEW site_daily AS
SELECT site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       count(*) AS articles
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL;

-- Per term, site and Beijing day: mentions (occurrences) and articles mentioning it.
CREATE OR REPLACE VIEW term_daily AS
SELECT v.term, t.site, t.day, sum(t.mentions)::BIGINT AS mentions,
       sum(t.articles)::BIGINT AS articles, sum(t.title_articles)::BIGINT AS title_articles,
       t.term_id
FROM term_days AS t
JOIN term_ids AS v USING (term_id)
GROUP BY ALL
HAVING sum(t.articles) > 0;
