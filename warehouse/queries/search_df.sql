-- `newsvault search`: articles mentioning one term ($term_id), from the daily counts;
-- search reads the union of these, one per wanted term (term_days is sorted by term_id
-- within each month, and `BETWEEN x AND x` lets the scan skip the other row groups).
SELECT $term_id AS term_id, coalesce(sum(articles), 0)::BIGINT AS articles
FROM term_days
WHERE term_id BETWEEN $term_id AND $term_id
