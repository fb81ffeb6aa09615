-- A run still 'running' when the next one starts was killed: say so.
UPDATE runs SET outcome = 'interrupted', finished_at = coalesce(finished_at, $now)
WHERE outcome = 'running';
