-- What each list showed, once per list and item (see known_before).
INSERT INTO list_items (site, list_name, article_id, first_run)
SELECT DISTINCT s.site, s.list_name, s.article_id, $run_id
FROM staged_listed s
WHERE NOT EXISTS (SELECT 1 FROM list_items l WHERE l.site = s.site
                  AND l.list_name = s.list_name AND l.article_id = s.article_id);
