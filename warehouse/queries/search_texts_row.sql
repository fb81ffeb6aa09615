-- `newsvault search`: what a result shows of the article at row id $row. One query per
-- result (a few at a time, on cursors of the same session): `rowid BETWEEN x AND x`
-- reads the texts of the one vector holding the row, where `rowid IN (...)` or OR-ed
-- ranges read the texts of every row group between them.
SELECT article_id, title, url, published_at, source, body
FROM articles
WHERE rowid BETWEEN $row AND $row;
