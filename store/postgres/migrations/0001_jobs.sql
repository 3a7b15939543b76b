-- The job queue, the webhook deliveries that enqueued its jobs, the write
-- probe and the leaders of the roles one replica plays for all.
-- Times are written by csocbot from its clock, never by SQL's now().

CREATE TABLE jobs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    key         text        NOT NULL,
    -- text rather than jsonb, which would reformat it: a payload is read
    -- back byte for byte. The cast refuses one that is not JSON.
    payload     text        CHECK (payload IS NULL OR payload::json IS NOT NULL),
    state       text        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted', 'superseded', 'cancelled')),
    attempts    integer     NOT NULL DEFAULT 0,
    run_after   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    worker      text        NOT NULL DEFAULT '',
    -- When a running job's lease ends; NULL for a job that never ran.
    lease_until timestamptz,
    last_error  text        NOT NULL DEFAULT ''
);

-- Claim takes the lowest queued id.
CREATE INDEX jobs_queued ON jobs (id) WHERE state = 'queued';

-- Recovery and ReclaimExpired look at running jobs, by lease.
CREATE INDEX jobs_running ON jobs (lease_until, id) WHERE state = 'running';

-- The status page lists jobs by key, and Prune finished ones by age.
CREATE INDEX jobs_key ON jobs (key, id);
CREATE INDEX jobs_finished ON jobs (updated_at) WHERE state NOT IN ('queued', 'running');

-- Superseding a pull request's older jobs, and Prune's check for work
-- under way, look only at active ones.
CREATE INDEX jobs_active_key ON jobs (key, kind, id) WHERE state IN ('queued', 'running');

-- Two replicas can never run two applies of one pull request at once: the
-- second claim's update violates this index, and Claim moves on.
CREATE UNIQUE INDEX jobs_one_running_apply ON jobs (key) WHERE kind = 'apply' AND state = 'running';

-- One row per X-GitHub-Delivery id, written in the transaction that enqueues
-- the delivery's job, so a redelivered webhook finds its job instead of
-- enqueueing another.
CREATE TABLE deliveries (
    id          text        PRIMARY KEY,
    job_id      bigint      NOT NULL REFERENCES jobs (id),
    received_at timestamptz NOT NULL
);

CREATE INDEX deliveries_received ON deliveries (received_at);
CREATE INDEX deliveries_job ON deliveries (job_id);

-- One row the server rewrites to check that the store can still be written
-- (readiness).
CREATE TABLE write_probe (
    id        integer     PRIMARY KEY CHECK (id = 1),
    probed_at timestamptz NOT NULL
);

-- Who leads each role (such as "slack") and until when; see Store.Lead.
CREATE TABLE leaders (
    role        text        PRIMARY KEY,
    holder      text        NOT NULL,
    lease_until timestamptz NOT NULL
);
