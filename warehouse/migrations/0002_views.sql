-- Views for analysts: one row per article with Beijing-time dates; runs at a glance.

CREATE OR REPLACE VIEW article_days AS
SELECT article_id, site, kind, title, source, author,
       published_at,
       CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS published_day,
       length(body) AS body_chars
FROM articles;

CREATE OR REPLACE VIEW last_runs AS
SELECT r.run_id, r.started_at, r.finished_at, r.outcome, r.exit_code, r.summary,
       s.site, s.outcome AS site_outcome, s.error, s.new, s.updated, s.failed, s.pending
FROM runs r LEFT JOIN run_sites s USING (run_id)
ORDER BY r.run_id DESC;
