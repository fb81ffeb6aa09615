-- Team mode's reads (pipeline.store.team.reader): the DuckDB file's tables, as views in an
-- in-memory catalog named like the file's (warehouse.catalog, in USE), over the lake
-- (attached read-only as `lake`) and the control state (PostgreSQL's nv_ctl, read-only as
-- `ctl`). The read SQL of status, coverage, trend, export, search and serve
-- (warehouse/queries, pipeline/store) then runs unchanged. The file's views (terms,
-- site_daily, open_gaps, ...) are made after these from the file's own migrations.
-- Where the lake differs from the file it is bridged here:
--   articles   the latest state per article (as the lake's view), with the state's
--              rowid as a column (search reads texts by row id; a view has none)
--   term_docs  the current entry of each doc; term_rows only the current entries' rows
--   frontier   'leased' (a node is fetching it) reads as the file's 'pending'
--   runs       the node that ran it as the file's `host`; heartbeat_at kept (status
--              judges a 'running' run by it)
--   term_recount  empty: team mode writes deltas and never awaits a recount

CREATE VIEW articles AS
SELECT s.article_id, s.site, s.kind, s.url, s.canonical_url, s.title, s.body, s.author,
       s.source, s.published_at, s.tags, s.summary, s.lang, s.source_url, s.extractor,
       s.extractor_version, s.decode_rule, s.provenance, s.content_hash, s.capture_id,
       s.first_seen_at, s.fetched_at, s.updated_at, s.run_id, s.status, s.original_source,
       s.original_author, s.rowid AS rowid
FROM lake.main.article_states AS s
WHERE s.rowid IN (
    SELECT rowid FROM lake.main.article_states
    QUALIFY row_number() OVER (PARTITION BY article_id
                               ORDER BY stored_at DESC, fetched_at DESC, capture_id DESC) = 1
);

CREATE VIEW captures AS
SELECT capture_id, run_id, site, purpose, method, url, final_url, status, error, detail,
       headers, content_type, fetched_at, elapsed_ms, attempts, body_size, body_sha256,
       warc_file, warc_offset, warc_length, warc_record_id, record_type, payload_digest,
       refers_to, via
FROM lake.main.captures;

CREATE VIEW bodies AS
SELECT sha256, codec, size, data FROM lake.main.bodies;

CREATE VIEW article_versions AS
SELECT article_id, replaced_at, reason, replaced_by, title, body, author, source,
       published_at, tags, summary, extractor, extractor_version, content_hash, capture_id,
       fetched_at
FROM lake.main.article_versions;

CREATE VIEW extraction_health AS
SELECT run_id, site, pages, empty_share, no_title_share, no_date_share, noise_share,
       generic_share, blocked_share
FROM lake.main.extraction_health;

CREATE VIEW term_ids AS
SELECT term_id, term FROM lake.main.term_ids;

CREATE VIEW term_docs AS
SELECT doc, article_id, site, day, content_hash, index_version, terms, simhash, cluster,
       indexed_at, length, source
FROM lake.main.term_docs_current;

CREATE VIEW term_rows AS
SELECT r.doc, r.term_id, r.count, r.in_title, r.day
FROM lake.main.term_rows AS r
SEMI JOIN lake.main.term_docs_current AS d USING (doc, entry);

CREATE VIEW term_days AS
SELECT term_id, site, day, articles, mentions, title_articles, compacted
FROM lake.main.term_days;

CREATE VIEW term_recount AS
SELECT CAST(NULL AS DATE) AS month WHERE false;

CREATE VIEW runs AS
SELECT run_id, started_at, finished_at, outcome, exit_code, sites, summary, version,
       node AS host, pid, config_digest, command, error, error_detail, progress,
       progress_at, heartbeat_at
FROM ctl.nv_ctl.runs;

CREATE VIEW run_sites AS
SELECT run_id, site, outcome, error, list_pages, discovered, fetched, new, updated,
       unchanged, skipped, failed, pending, depth_cut, block_rate
FROM ctl.nv_ctl.run_sites;

CREATE VIEW run_lists AS
SELECT run_id, site, list_name, kind, pages, items, new, horizon_run, reached_known,
       depth_cut, possible_gap, first_read, error, resume
FROM ctl.nv_ctl.run_lists;

CREATE VIEW run_counters AS
SELECT run_id, site, key, value FROM ctl.nv_ctl.run_counters;

CREATE VIEW frontier AS
SELECT article_id, site, kind, url, list_name, title, listed_at,
       CASE WHEN state = 'leased' THEN 'pending' ELSE state END AS state, attempts,
       last_error, discovered_at, discovered_run, updated_at, refetches
FROM ctl.nv_ctl.frontier;

CREATE VIEW list_items AS
SELECT site, list_name, article_id, first_run FROM ctl.nv_ctl.list_items;

CREATE VIEW site_cooldowns AS
SELECT site, since, until, reason, run_id FROM ctl.nv_ctl.site_cooldowns;

CREATE VIEW feed_items AS
SELECT article_id, site, list_name, url, title, published_at, content, capture_id, seen_at
FROM ctl.nv_ctl.feed_items;

CREATE VIEW backfill_index AS
SELECT archive, site, article_id, kind, url, captured_at, via, filename, "offset", length,
       digest, found_run
FROM ctl.nv_ctl.backfill_index;

CREATE VIEW backfill_cursor AS
SELECT query, position, pages, done, updated_at FROM ctl.nv_ctl.backfill_cursor;
