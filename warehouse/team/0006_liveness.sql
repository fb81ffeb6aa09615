-- Team mode control state, version 6: a run's liveness lock.  A run holds the session-level
-- advisory lock hashtextextended('newsvault:alive:' || run_id, 0) on its control
-- connection for as long as it runs.  When its process dies, PostgreSQL ends the session
-- and the lock with it, so any node sees at once (pg_locks) that a run marked here is dead:
-- it is recorded 'interrupted' and its leases go back to the pool without waiting for the
-- lease expiry.  A run behind a connection pooler that shares server sessions cannot
-- hold such a lock for itself: it is not marked, and its heartbeat alone tells.
ALTER TABLE nv_ctl.runs ADD COLUMN alive_lock boolean NOT NULL DEFAULT false;
