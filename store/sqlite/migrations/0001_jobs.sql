-- The job queue, and the webhook deliveries that enqueued its jobs.
-- Times are UTC text, "YYYY-MM-DDTHH:MM:SS.ffffffZ", which sorts in time order.

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    payload    TEXT    CHECK (json_valid(payload)),
    state      TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted', 'superseded', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    run_after  TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    worker     TEXT    NOT NULL DEFAULT '',
    last_error TEXT    NOT NULL DEFAULT ''
);

-- Claim takes the lowest queued id; recovery looks for running jobs.
CREATE INDEX jobs_state ON jobs (state, id);

-- Supersede and the status page look jobs up by key.
CREATE INDEX jobs_key ON jobs (key, id);

-- One row per X-GitHub-Delivery id, written in the transaction that enqueues
-- the delivery's job, so a redelivered webhook finds its job instead of
-- enqueueing another.
CREATE TABLE deliveries (
    id          TEXT    PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    received_at TEXT    NOT NULL
);
