-- Active runs (PostgresActiveRunIndex): the ids of runs that started and have not ended. After a silo dies, or
-- when a stopped cluster starts again, one silo wakes each of them. A run is added before its state is first
-- written and removed after its final state is written.

CREATE TABLE owf_active_runs
(
    run_id     text        PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now()
);
