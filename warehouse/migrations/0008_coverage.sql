-- Discovery that misses nothing it was shown (issue 13): what each list showed, what
-- each run read of each list, and the gaps a depth bound or a one-page feed may have
-- left until a later run (or a backfill) reaches back over them.
-- DuckDB and DuckLake alike: no PRIMARY KEY, UNIQUE, index or sequence.

-- Every item a list has shown, once per list: a list pages back until it reaches items
-- it showed itself before this run, whatever the other lists found meanwhile.
CREATE TABLE IF NOT EXISTS list_items (
    site       VARCHAR NOT NULL,
    list_name  VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    first_run  BIGINT NOT NULL         -- the run in which the list first showed it
);

-- Lists read before 0008 knew their items through the frontier (first list only).
INSERT INTO list_items
SELECT site, list_name, article_id, coalesce(discovered_run, 0)
FROM frontier WHERE coalesce(list_name, '') <> '';

-- One row per list read by a run.
CREATE TABLE IF NOT EXISTS run_lists (
    run_id        BIGINT NOT NULL,
    site          VARCHAR NOT NULL,
    list_name     VARCHAR NOT NULL,
    kind          VARCHAR,
    pages         INTEGER,
    items         INTEGER,             -- items shown (each once)
    new           INTEGER,             -- items no list had shown before
    horizon_run   BIGINT,              -- stopped at items the list showed before this run
    reached_known BOOLEAN,             -- it reached such items: nothing between was missed
    depth_cut     BOOLEAN,             -- stopped by max_pages before reaching them
    possible_gap  BOOLEAN,             -- a list read before may have lost items here
    first_read    BOOLEAN,             -- the list's first run: older items are history
    error         VARCHAR,
    resume        VARCHAR              -- where paging stopped short (the source's cursor,
                                       -- JSON): a later run continues there over a gap
);

-- Every possible gap, and what closed it: a later run of the same list that read back to
-- items the list showed before the gap's run, or a later successful backfill of the site.
CREATE OR REPLACE VIEW list_gaps AS
SELECT g.run_id, g.site, g.list_name, g.kind, g.pages, g.depth_cut,
       (SELECT min(c.run_id) FROM run_lists c
        WHERE c.site = g.site AND c.list_name = g.list_name AND c.run_id > g.run_id
          AND c.reached_known AND c.horizon_run <= g.run_id) AS closed_by_run,
       (SELECT min(b.run_id) FROM captures b JOIN runs r ON r.run_id = b.run_id
        WHERE b.purpose = 'backfill' AND b.site = g.site AND b.run_id > g.run_id
          AND r.outcome = 'ok') AS closed_by_backfill
FROM run_lists g
WHERE g.possible_gap;

CREATE OR REPLACE VIEW open_gaps AS
SELECT run_id, site, list_name, kind, pages, depth_cut
FROM list_gaps WHERE closed_by_run IS NULL AND closed_by_backfill IS NULL;
