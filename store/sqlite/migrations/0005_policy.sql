-- Policy checks: each run keeps the policy results of its unit, a unit can
-- be blocked by a pre-plan policy (the runs table is rebuilt to allow the
-- new state), and owners' approvals that override failing policy sets are
-- kept per pull request head.

CREATE TABLE runs_new (
    id          INTEGER PRIMARY KEY,
    repo        TEXT    NOT NULL,
    pr          INTEGER NOT NULL,
    head_sha    TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('planned', 'no_changes', 'failed', 'skipped', 'blocked', 'applied', 'apply_failed')),
    plan_path   TEXT    NOT NULL DEFAULT '',
    plan_sha256 TEXT    NOT NULL DEFAULT '',
    summary     TEXT    CHECK (json_valid(summary)),
    policy      TEXT    CHECK (json_valid(policy)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (repo, pr, head_sha, unit)
);

INSERT INTO runs_new (id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, created_at, updated_at)
SELECT id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, created_at, updated_at FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_unit ON runs (repo, pr, unit, id);

-- An owner's approval overriding a failing policy set at one head. A new
-- commit is a new head, so it starts with no approvals.
CREATE TABLE policy_approvals (
    id         INTEGER PRIMARY KEY,
    repo       TEXT    NOT NULL,
    pr         INTEGER NOT NULL,
    head_sha   TEXT    NOT NULL,
    policy_set TEXT    NOT NULL,
    approver   TEXT    NOT NULL COLLATE NOCASE, -- GitHub login
    comment_id INTEGER NOT NULL DEFAULT 0, -- the approve_policies comment
    created_at TEXT    NOT NULL,
    UNIQUE (repo, pr, head_sha, policy_set, approver)
);
