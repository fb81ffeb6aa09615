-- New list items join the frontier once; items complete on the list (newsflashes) are
-- entered as done.
INSERT INTO frontier (article_id, site, kind, url, list_name, title, listed_at, state,
                      attempts, last_error, discovered_at, discovered_run, updated_at)
SELECT s.article_id, s.site, s.kind, s.url, s.list_name, s.title, s.listed_at, s.state,
       0, NULL, $now, $run_id, $now
FROM (SELECT DISTINCT ON (article_id) * FROM staged_links) s
WHERE s.article_id NOT IN (SELECT article_id FROM frontier);
