-- Search (issue 17): `newsvault search` ranks articles by BM25 over the term index, which
-- weighs a term's count in an article (term_rows.count) against the article's length, and
-- counts the articles found per 来源. Both are kept per indexed article in term_docs:
--   length  the article's terms counted with repeats, title and body (BM25's length)
--   source  its 来源 (articles.source) when it was indexed (a changed 来源 changes
--           content_hash, so the article is indexed again)
-- Rows indexed before this migration hold NULL until `newsvault terms` fills them from
-- term_rows and articles (pipeline.index.terms.update; search reads them as their
-- distinct terms meanwhile).
ALTER TABLE term_docs ADD COLUMN IF NOT EXISTS length INTEGER;
ALTER TABLE term_docs ADD COLUMN IF NOT EXISTS source VARCHAR;

-- `newsvault terms` now also keeps each month's term_rows sorted by term_id when it
-- recounts the month (terms_recount.sql): mark every indexed month, so the next run sorts
-- the rows written before.
INSERT INTO term_recount
SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM term_docs WHERE day IS NOT NULL;
