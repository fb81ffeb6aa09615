-- The indexed days of the articles about to be (re)indexed ($ids).
SELECT article_id, day FROM term_docs WHERE article_id IN (SELECT unnest($ids::VARCHAR[]));
