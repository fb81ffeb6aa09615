-- `newsvault search`: what a result shows of the articles $ids (a page's). With the
-- index on article_id (migration 0013) DuckDB fetches these rows alone; without it (a
-- DuckLake catalog) search_texts_row.sql reads them by row id.
SELECT article_id, title, url, published_at, source, body
FROM articles
WHERE article_id IN ($ids);
