-- Leases, for several processes sharing one database: a running job's
-- lease, which its worker renews while it runs and whose end tells the other
-- processes that its process died, and the roles one process at a time
-- leads (such as sending the Slack outbox).

-- '' for a job that never ran, and for the jobs left running by a csocbot
-- from before leases, which RecoverAfterRestart deals with.
ALTER TABLE jobs ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';

-- One row per role, held by holder until lease_until; a row whose lease has
-- ended is taken over, never deleted.
CREATE TABLE leaders (
    role        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    lease_until TEXT NOT NULL
);

-- Claim skips an apply while another apply of its key runs. Only running
-- applies are in this index, so it stays small whatever the queue's
-- history. (ReclaimExpired reads the running jobs, one per worker, through
-- jobs_state; an index by lease_until would cost every claim and renewal a
-- write and save it nothing.)
CREATE INDEX jobs_running_apply ON jobs (key) WHERE state = 'running' AND kind = 'apply';
