-- `newsvault search`: articles mentioning each term ($ids), from the daily counts (sorted
-- by term_id, so a few row groups a month are read).
SELECT term_id, sum(articles)::BIGINT FROM term_days WHERE term_id IN ($ids) GROUP BY term_id;
