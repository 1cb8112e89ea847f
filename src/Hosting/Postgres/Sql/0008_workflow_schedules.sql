-- Live schedules (PostgresScheduleIndex): the keys of schedule entries that exist and whose playbook is enabled.
-- After a silo dies, or when a stopped cluster starts again, one silo wakes each of them. They used to share
-- owf_active_runs under a 'schedule:' prefix; those rows move here.

CREATE TABLE owf_schedules
(
    schedule_key text        PRIMARY KEY,
    added_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO owf_schedules (schedule_key, added_at)
SELECT substr(run_id, length('schedule:') + 1), started_at
FROM owf_active_runs
WHERE run_id LIKE 'schedule:%'
ON CONFLICT (schedule_key) DO NOTHING;

DELETE FROM owf_active_runs WHERE run_id LIKE 'schedule:%';
