-- Ids an archived list (or a refusal) named, each once.
INSERT INTO backfill_ids
SELECT DISTINCT ON (s.article_id) s.*
FROM (SELECT unnest($article_id) AS article_id, unnest($site) AS site, unnest($kind) AS kind,
             unnest($url) AS url, unnest($title) AS title,
             unnest($published_at)::TIMESTAMPTZ AS published_at, false AS looked_up,
             $now::TIMESTAMPTZ AS found_at) AS s
WHERE s.article_id NOT IN (SELECT article_id FROM backfill_ids);
