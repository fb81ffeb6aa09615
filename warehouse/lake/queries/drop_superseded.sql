-- Rows no view reads any more: article states behind a later one (a changed text is
-- in article_versions already, an unchanged refetch or a duplicate repeats the current
-- row) and term-index entries replaced by a re-indexing.  Run by `newsvault maintain`
-- alone, like every DELETE on the lake.  A state row is keyed by (article_id,
-- batch_id), a batch storing each article once; an entry by (doc, entry).
CREATE OR REPLACE TEMP TABLE superseded_states AS
SELECT article_id || chr(31) || batch_id AS state_key
FROM article_states
QUALIFY row_number() OVER (PARTITION BY article_id
                           ORDER BY stored_at DESC, fetched_at DESC, capture_id DESC) > 1;

DELETE FROM article_states
WHERE article_id || chr(31) || batch_id IN (SELECT state_key FROM superseded_states);

CREATE OR REPLACE TEMP TABLE superseded_entries AS
SELECT doc, entry
FROM term_docs
QUALIFY row_number() OVER (PARTITION BY doc ORDER BY indexed_at DESC, entry DESC) > 1;

DELETE FROM term_rows
WHERE doc IN (SELECT doc FROM superseded_entries)
  AND doc::VARCHAR || chr(31) || entry IN (SELECT doc::VARCHAR || chr(31) || entry
                                            FROM superseded_entries);

DELETE FROM term_docs
WHERE doc::VARCHAR || chr(31) || entry IN (SELECT doc::VARCHAR || chr(31) || entry
                                           FROM superseded_entries);
