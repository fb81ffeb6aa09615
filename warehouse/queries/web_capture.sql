-- `newsvault serve`, capture page: one capture and where its WARC record is.
SELECT capture_id, run_id, site, purpose, method, url, final_url, status, error, detail,
       headers, content_type, fetched_at, elapsed_ms, attempts, body_size, body_sha256,
       warc_file, warc_offset, warc_length, warc_record_id, record_type, payload_digest,
       refers_to, via
FROM captures
WHERE capture_id = $capture_id;
