-- Search (issue 17): an index on articles.article_id, so that `newsvault search` reads
-- the title and body of a page's ten articles, and the text of the articles a quoted
-- phrase must be checked in, row by row. Without it DuckDB reads a row's body by
-- reading the bodies of its whole vector (2,048 articles, about 10 MB) from the file:
-- 17-35 ms of CPU per result on a cold cache, where the index fetches the row alone
-- (about 0.5 ms). It is not a key (no UNIQUE: the writer keeps one row per id, as
-- everywhere in this schema); it takes about 50 MB per million articles, and is built
-- here in seconds (about 10 s for a million articles).
--
-- duckdb-file-only (pipeline.store.connect: a DuckLake catalog records this migration
-- as applied without running it: DuckLake has no indexes; its search reads texts by
-- row id and checks phrases by a scan, pipeline/store/searchtext.py.)
--
-- Note for later migrations: DuckDB refuses ALTER TABLE articles ... ALTER/DROP COLUMN
-- while the index exists (ADD COLUMN works): drop it first, create it again after.
SET enable_progress_bar = false;  -- a cron job's log gets no bar (the build takes seconds)
CREATE INDEX IF NOT EXISTS articles_article_id ON articles (article_id);
