-- Listing runs (owf runs, WorkflowClient.ListRunsAsync) reads only run-level events: this partial index holds
-- just those, by run, in order.

CREATE INDEX ix_owf_run_events_run_level ON owf_run_events (run_id, position)
    WHERE kind IN ('RunStarted', 'RunSucceeded', 'RunFailed', 'RunCancelled', 'RunTimedOut', 'RunPaused', 'RunResumed', 'RunRetried');
