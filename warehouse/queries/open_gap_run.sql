-- The run of this list's oldest gap still open (NULL: none): the list then pages back
-- to items it showed before that run, so the gap closes when the bound allows.
SELECT min(run_id) FROM open_gaps WHERE site = $site AND list_name = $list_name;
