-- One row the server rewrites to check that the store can still be written
-- (readiness): a full disk or a file system remounted read-only shows up
-- here before a webhook delivery is lost to it.
CREATE TABLE write_probe (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at TEXT NOT NULL
);
