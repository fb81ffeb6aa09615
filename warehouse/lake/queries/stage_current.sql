-- The current state of each staged article: its latest row in article_states (the
-- order of the `articles` view; the ids are filtered first, so only their rows are
-- ranked, not the whole table's).
CREATE OR REPLACE TEMP TABLE staged_current AS
SELECT * EXCLUDE (node, batch_id, stored_at)
FROM article_states
WHERE article_id IN (SELECT DISTINCT article_id FROM staged_articles)
QUALIFY row_number() OVER (PARTITION BY article_id
                           ORDER BY stored_at DESC, fetched_at DESC, capture_id DESC) = 1;
