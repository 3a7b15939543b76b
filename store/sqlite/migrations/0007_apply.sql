-- Apply: the units' locks, the sealed plan files waiting to be applied, the
-- append-only audit log, and the run states of an apply (the runs table is
-- rebuilt to allow them).

CREATE TABLE runs_new (
    id          INTEGER PRIMARY KEY,
    repo        TEXT    NOT NULL,
    pr          INTEGER NOT NULL,
    head_sha    TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('planned', 'no_changes', 'failed', 'skipped', 'blocked', 'applying', 'applied', 'apply_failed', 'interrupted')),
    plan_path   TEXT    NOT NULL DEFAULT '',
    plan_sha256 TEXT    NOT NULL DEFAULT '',
    summary     TEXT    CHECK (json_valid(summary)),
    policy      TEXT    CHECK (json_valid(policy)),
    mocked_from TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (repo, pr, head_sha, unit)
);

INSERT INTO runs_new (id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, created_at, updated_at)
SELECT id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, created_at, updated_at FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_unit ON runs (repo, pr, unit, id);

-- One row per held lock: the primary key is what makes a second pull
-- request's TryLock find the holder instead of taking the lock.
CREATE TABLE locks (
    repo        TEXT    NOT NULL CHECK (repo <> ''),
    unit        TEXT    NOT NULL CHECK (unit <> ''),
    workspace   TEXT    NOT NULL DEFAULT '',
    pr          INTEGER NOT NULL CHECK (pr > 0),
    head_sha    TEXT    NOT NULL DEFAULT '',
    holder      TEXT    NOT NULL DEFAULT '',
    acquired_at TEXT    NOT NULL,
    PRIMARY KEY (repo, unit, workspace)
);

-- Unlock releases a pull request's locks.
CREATE INDEX locks_pr ON locks (repo, pr, unit);

-- Plan files and provider lock files, sealed by csocbot before they get
-- here. The key serves reading one, deleting one and deleting a pull
-- request's.
CREATE TABLE plan_files (
    repo       TEXT    NOT NULL,
    pr         INTEGER NOT NULL,
    head_sha   TEXT    NOT NULL,
    base_sha   TEXT    NOT NULL DEFAULT '',
    unit       TEXT    NOT NULL,
    sha256     TEXT    NOT NULL CHECK (sha256 <> ''),
    plan       BLOB    NOT NULL CHECK (length(plan) > 0),
    lock_file  BLOB,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (repo, pr, head_sha, unit)
);

-- The audit log, a hash chain: seq counts from 1 with no gaps, prev_hash is
-- the previous entry's hash, and hash covers the entry (see
-- store.AuditEntry.ComputeHash).
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL CHECK (actor <> ''),
    action      TEXT    NOT NULL CHECK (action <> ''),
    repo        TEXT    NOT NULL DEFAULT '',
    pr          INTEGER NOT NULL DEFAULT 0,
    head_sha    TEXT    NOT NULL DEFAULT '',
    unit        TEXT    NOT NULL DEFAULT '',
    plan_sha256 TEXT    NOT NULL DEFAULT '',
    role_arn    TEXT    NOT NULL DEFAULT '',
    outcome     TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);

-- Reading the log by pull request, by unit and by time.
CREATE INDEX audit_log_pr ON audit_log (repo, pr, seq);
CREATE INDEX audit_log_unit ON audit_log (unit, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- Nothing csocbot runs changes or deletes an entry. Someone who drops these
-- triggers to do so breaks the hash chain, which csocbot audit verify finds.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be deleted');
END;
