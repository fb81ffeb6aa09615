-- `newsvault serve`, article page: one article with its metadata and provenance.
SELECT article_id, site, kind, url, canonical_url, title, body, author, source,
       original_source, original_author, published_at, tags, summary, lang, source_url,
       extractor, extractor_version, decode_rule, provenance, status, content_hash,
       capture_id, first_seen_at, fetched_at, updated_at, run_id
FROM articles
WHERE article_id = $article_id;
