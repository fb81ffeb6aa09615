-- `newsvault search`: what a result shows of the articles at these row ids ($rows, within
-- $lo..$hi, so that the scan reads only those row groups' texts).
SELECT article_id, title, url, published_at, source, body
FROM articles
WHERE rowid BETWEEN $lo AND $hi AND rowid IN ($rows);
