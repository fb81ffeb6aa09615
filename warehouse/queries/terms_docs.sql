-- One term_docs row per article of the batch, replacing the one it had.
DELETE FROM term_docs WHERE article_id IN (SELECT article_id FROM batch_docs);
INSERT INTO term_docs
SELECT article_id, site, day, content_hash, index_version, terms, simhash, cluster, indexed_at
FROM batch_docs;
