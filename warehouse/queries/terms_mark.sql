-- A bulk index marks the months of its batch for a recount of the daily counts
-- (terms_recount.sql), in the batch's transaction: a killed run leaves the marks.
INSERT INTO term_recount
SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM batch_docs WHERE day IS NOT NULL;
