-- Schema version 7: why a run failed, and how far a running one has got.

-- The first line of what stopped a failed run, and its whole text (a traceback for a bug).
ALTER TABLE runs ADD COLUMN error VARCHAR;
ALTER TABLE runs ADD COLUMN error_detail VARCHAR;
-- A running run's counts so far, rewritten at each batch commit, and when.
ALTER TABLE runs ADD COLUMN progress VARCHAR;
ALTER TABLE runs ADD COLUMN progress_at TIMESTAMPTZ;
