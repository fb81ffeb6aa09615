-- Upsert the staged batch: new ids are inserted; changed content replaces the row (the
-- first_seen_at stays); unchanged content only records the new fetch.
MERGE INTO articles AS a
USING (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
ON a.article_id = s.article_id
WHEN MATCHED AND a.content_hash IS DISTINCT FROM s.content_hash THEN UPDATE SET
    site = s.site, kind = s.kind, url = s.url, canonical_url = s.canonical_url,
    title = s.title, body = s.body, author = s.author, source = s.source,
    published_at = s.published_at, tags = s.tags, summary = s.summary, lang = s.lang,
    source_url = s.source_url, extractor = s.extractor,
    extractor_version = s.extractor_version, decode_rule = s.decode_rule,
    provenance = s.provenance, content_hash = s.content_hash, capture_id = s.capture_id,
    fetched_at = s.fetched_at, updated_at = s.fetched_at, run_id = s.run_id,
    status = s.status, original_source = s.original_source,
    original_author = s.original_author
WHEN MATCHED THEN UPDATE SET
    fetched_at = s.fetched_at, capture_id = s.capture_id, run_id = s.run_id
WHEN NOT MATCHED THEN INSERT VALUES (
    s.article_id, s.site, s.kind, s.url, s.canonical_url, s.title, s.body, s.author,
    s.source, s.published_at, s.tags, s.summary, s.lang, s.source_url, s.extractor,
    s.extractor_version, s.decode_rule, s.provenance, s.content_hash, s.capture_id,
    s.first_seen_at, s.fetched_at, s.updated_at, s.run_id, s.status, s.original_source,
    s.original_author);
