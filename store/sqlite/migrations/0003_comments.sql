-- Comments csocbot posted, so that it can hide or mark outdated the ones an
-- earlier head produced.

CREATE TABLE comments (
    comment_id INTEGER PRIMARY KEY, -- GitHub's id for the comment
    repo       TEXT    NOT NULL,
    pr         INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('plan', 'help', 'error')),
    head_sha   TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);

CREATE INDEX comments_pr ON comments (repo, pr, created_at);
