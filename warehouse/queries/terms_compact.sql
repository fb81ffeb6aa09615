-- Compact term_days: one row per term, site and day (deltas summed, zeros dropped),
-- sorted by term_id so that a trend's `term_id IN (...)` skips all but a few row
-- groups. Swapped in by rename, inside the caller's transaction.
CREATE TABLE term_days_compacted (
    term_id        INTEGER NOT NULL,
    site           VARCHAR NOT NULL,
    day            DATE NOT NULL,
    articles       INTEGER NOT NULL,
    mentions       INTEGER NOT NULL,
    title_articles INTEGER NOT NULL,
    compacted      BOOLEAN NOT NULL
);

INSERT INTO term_days_compacted
SELECT term_id, site, day, sum(articles), sum(mentions), sum(title_articles), TRUE
FROM term_days
GROUP BY term_id, site, day
HAVING sum(articles) <> 0 OR sum(mentions) <> 0
ORDER BY term_id, site, day;

DROP TABLE term_days;

ALTER TABLE term_days_compacted RENAME TO term_days;
