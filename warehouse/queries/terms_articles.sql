-- What the indexer reads of the articles to index, by row id ($rows, within $lo..$hi):
-- the range lets the scan read only those row groups. Looking articles up by id instead
-- would read the body column of the whole table.
SELECT article_id, site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       title, body, content_hash, source
FROM articles
WHERE rowid BETWEEN $lo AND $hi AND rowid IN (SELECT unnest($rows::BIGINT[]))
ORDER BY rowid;
