-- Record what happened to fetched items. States given: done | skipped | failed (for
-- good) | retry (a transient failure: the item stays pending until it has been tried
-- crawl.max_attempts times, then it is failed) | refused (a challenge or risk page: the
-- same bound, then it is refused; the feed's text may be stored meanwhile).
UPDATE frontier AS f SET
    attempts   = f.attempts + 1,
    state      = CASE
                     WHEN d.state NOT IN ('retry', 'refused') THEN d.state
                     WHEN f.attempts + 1 < $max_attempts THEN 'pending'
                     WHEN d.state = 'refused' THEN 'refused'
                     ELSE 'failed'
                 END,
    last_error = d.error,
    updated_at = $now
FROM (SELECT DISTINCT ON (article_id) * FROM staged_done) AS d
WHERE f.article_id = d.article_id;
