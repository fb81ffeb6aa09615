-- Fetch recent articles once more, later, to catch edited stories: an article published
-- (or first seen) within the window and last fetched long enough ago goes back to pending.
UPDATE frontier AS f SET state = 'pending', refetches = coalesce(f.refetches, 0) + 1,
       updated_at = $now
FROM articles AS a
WHERE a.article_id = f.article_id AND f.site = $site AND f.state = 'done'
  AND f.kind = 'article' AND coalesce(f.refetches, 0) < $max_refetches
  AND a.fetched_at < $fetched_before
  AND coalesce(a.published_at, a.first_seen_at) > $published_after;
