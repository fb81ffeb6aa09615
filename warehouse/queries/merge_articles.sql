-- Upsert the staged batch (DuckLake's MERGE allows one UPDATE action, hence steps):
-- 1. the state being replaced by changed content goes to article_versions;
-- 2. changed content replaces the row (first_seen_at stays);
-- 3. unchanged content only records the new capture and extractor version;
-- 4. new ids are inserted.
INSERT INTO article_versions (article_id, replaced_at, reason, replaced_by, title, body, author,
                              source, published_at, tags, summary, extractor,
                              extractor_version, content_hash, capture_id, fetched_at)
SELECT a.article_id, $now, $reason, s.capture_id, a.title, a.body, a.author, a.source,
       a.published_at, a.tags, a.summary, a.extractor, a.extractor_version, a.content_hash,
       a.capture_id, a.fetched_at
FROM articles AS a
JOIN (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s USING (article_id)
WHERE a.content_hash IS DISTINCT FROM s.content_hash;

UPDATE articles AS a SET
    site = s.site, kind = s.kind, url = s.url, canonical_url = s.canonical_url,
    title = s.title, body = s.body, author = s.author, source = s.source,
    published_at = s.published_at, tags = s.tags, summary = s.summary, lang = s.lang,
    source_url = s.source_url, extractor = s.extractor,
    extractor_version = s.extractor_version, decode_rule = s.decode_rule,
    provenance = s.provenance, content_hash = s.content_hash, capture_id = s.capture_id,
    fetched_at = s.fetched_at, updated_at = $now, run_id = s.run_id,
    status = s.status, original_source = s.original_source,
    original_author = s.original_author
FROM (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
WHERE a.article_id = s.article_id AND a.content_hash IS DISTINCT FROM s.content_hash;

UPDATE articles AS a SET
    fetched_at = s.fetched_at, capture_id = s.capture_id, run_id = s.run_id,
    extractor_version = s.extractor_version
FROM (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
WHERE a.article_id = s.article_id AND a.content_hash = s.content_hash
  AND (a.capture_id IS DISTINCT FROM s.capture_id
       OR a.extractor_version IS DISTINCT FROM s.extractor_version);

INSERT INTO articles
SELECT DISTINCT ON (article_id) * FROM staged_articles
WHERE article_id NOT IN (SELECT article_id FROM articles);
