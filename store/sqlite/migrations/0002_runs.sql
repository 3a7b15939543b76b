-- The outcome of planning (and later applying) one unit at one pull request head.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    repo        TEXT    NOT NULL,
    pr          INTEGER NOT NULL,
    head_sha    TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('planned', 'no_changes', 'failed', 'skipped', 'applied', 'apply_failed')),
    plan_path   TEXT    NOT NULL DEFAULT '',
    plan_sha256 TEXT    NOT NULL DEFAULT '',
    summary     TEXT    CHECK (json_valid(summary)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (repo, pr, head_sha, unit)
);

-- Latest run of each unit in a pull request.
CREATE INDEX runs_unit ON runs (repo, pr, unit, id);
