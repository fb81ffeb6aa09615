-- Term-count compaction: the months holding deltas (rows the crawl added since the
-- last compaction) become one row per term, site and day, their sums unchanged.
-- Run by `newsvault maintain` alone (the exclusive maintenance lock): a DELETE on
-- term_days would make any concurrent INSERT into it fail at commit.
CREATE OR REPLACE TEMP TABLE compact_months AS
SELECT DISTINCT date_trunc('month', day) AS month FROM term_days WHERE NOT compacted;

CREATE OR REPLACE TEMP TABLE compact_rows AS
SELECT term_id, site, day, sum(articles)::INTEGER AS articles,
       sum(mentions)::INTEGER AS mentions, sum(title_articles)::INTEGER AS title_articles,
       true AS compacted
FROM term_days
WHERE date_trunc('month', day) IN (SELECT month FROM compact_months)
GROUP BY term_id, site, day
HAVING sum(articles) <> 0 OR sum(mentions) <> 0 OR sum(title_articles) <> 0;

DELETE FROM term_days WHERE date_trunc('month', day) IN (SELECT month FROM compact_months);

INSERT INTO term_days SELECT * FROM compact_rows;
