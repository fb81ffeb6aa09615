-- Where an index query's paging stands (one row per query).
DELETE FROM backfill_cursor WHERE query = $query;
INSERT INTO backfill_cursor VALUES ($query, $position, $pages, $done, $now);
