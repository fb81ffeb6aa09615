-- Which of the given ids this list showed before run $horizon (the stop-paging rule:
-- a list pages back to its own overlap, whatever the other lists found meanwhile).
SELECT DISTINCT article_id FROM list_items
WHERE site = $site AND list_name = $list_name AND first_run < $horizon
  AND article_id IN (SELECT unnest($ids));
