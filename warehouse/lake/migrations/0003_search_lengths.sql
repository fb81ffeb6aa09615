-- Search (issue 17) on team mode: BM25 weighs a term's count against the article's length,
-- and search counts the articles found per 来源; the DuckDB file keeps both per indexed
-- article in term_docs (its migration 0012), and so does the lake from here on:
--   length  the article's terms counted with repeats, title and body
--   source  its 来源 (articles.source) when it was indexed
-- Entries written before this hold NULL; search reads them as their distinct terms (as
-- the file does for rows indexed before 0012) until the article is indexed again.
ALTER TABLE term_docs ADD COLUMN IF NOT EXISTS length INTEGER;
ALTER TABLE term_docs ADD COLUMN IF NOT EXISTS source VARCHAR;
