-- Runs can now wait for a slot (RunWaiting, RunAdmitted) and be skipped (RunSkipped): those are run-level too, so
-- the partial index that listing runs reads holds them.

DROP INDEX IF EXISTS ix_owf_run_events_run_level;

CREATE INDEX ix_owf_run_events_run_level ON owf_run_events (run_id, position)
    WHERE kind IN ('RunStarted', 'RunSucceeded', 'RunFailed', 'RunCancelled', 'RunTimedOut', 'RunPaused', 'RunResumed', 'RunRetried',
                   'RunWaiting', 'RunAdmitted', 'RunSkipped');
