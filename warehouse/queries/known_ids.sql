-- Which of the given ids the warehouse has already (listed or stored).
SELECT article_id FROM frontier WHERE article_id IN (SELECT unnest($ids))
UNION
SELECT article_id FROM articles WHERE article_id IN (SELECT unnest($ids));
