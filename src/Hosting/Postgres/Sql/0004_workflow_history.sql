-- Run history (PostgresRunHistory): an append-only table of run events, read by run in position order.
--
-- position: the store's order (appends take an advisory lock so positions commit in order and a reader that
-- sees a position has seen every smaller one). event_id: RunEvent.Id, kept once (a second append of it is
-- ignored). kind: RunEventKind's name (names, unlike numbers, survive reordering the enum). data: the event's
-- JSON text as given.

CREATE TABLE owf_run_events
(
    position    bigserial   PRIMARY KEY,
    run_id      text        NOT NULL,
    event_id    text        NOT NULL UNIQUE,
    kind        text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    task        text,
    item_index  integer,
    step        text,
    attempt     integer,
    message     text,
    owner       text,
    data        json
);

CREATE INDEX ix_owf_run_events_run ON owf_run_events (run_id, position);
