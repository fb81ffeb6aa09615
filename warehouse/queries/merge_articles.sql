-- Upsert the staged batch in three steps (DuckLake's MERGE allows one UPDATE action):
-- changed content replaces the row (first_seen_at stays); unchanged content only records
-- the new fetch; new ids are inserted.
UPDATE articles AS a SET
    site = s.site, kind = s.kind, url = s.url, canonical_url = s.canonical_url,
    title = s.title, body = s.body, author = s.author, source = s.source,
    published_at = s.published_at, tags = s.tags, summary = s.summary, lang = s.lang,
    source_url = s.source_url, extractor = s.extractor,
    extractor_version = s.extractor_version, decode_rule = s.decode_rule,
    provenance = s.provenance, content_hash = s.content_hash, capture_id = s.capture_id,
    fetched_at = s.fetched_at, updated_at = s.fetched_at, run_id = s.run_id
FROM (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
WHERE a.article_id = s.article_id AND a.content_hash IS DISTINCT FROM s.content_hash;

UPDATE articles AS a SET
    fetched_at = s.fetched_at, capture_id = s.capture_id, run_id = s.run_id
FROM (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
WHERE a.article_id = s.article_id AND a.content_hash = s.content_hash
  AND a.capture_id IS DISTINCT FROM s.capture_id;

INSERT INTO articles
SELECT DISTINCT ON (article_id) * FROM staged_articles
WHERE article_id NOT IN (SELECT article_id FROM articles);
