-- This list's oldest gap still open (no row: none) and where paging last stopped short
-- over it (`resume`, the source's cursor as JSON; NULL: read from the top). The list
-- then pages back to items it showed before that run, so the gap closes.
SELECT g.run_id,
       (SELECT r.resume FROM run_lists r
        WHERE r.site = $site AND r.list_name = $list_name AND r.run_id >= g.run_id
          AND r.resume IS NOT NULL
        ORDER BY r.run_id DESC LIMIT 1) AS resume
FROM (SELECT min(run_id) AS run_id FROM open_gaps
      WHERE site = $site AND list_name = $list_name) g
WHERE g.run_id IS NOT NULL;
