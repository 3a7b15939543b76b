-- Slack notifications: the parent message of each pull request's thread in
-- each channel, and the outbox of messages to send, which a restart keeps.

CREATE TABLE slack_threads (
    repo       TEXT    NOT NULL CHECK (repo <> ''),
    pr         INTEGER NOT NULL CHECK (pr > 0),
    channel    TEXT    NOT NULL CHECK (channel <> ''),
    channel_id TEXT    NOT NULL DEFAULT '',       -- Slack's id of the channel, for edits
    ts         TEXT    NOT NULL CHECK (ts <> ''), -- Slack's id of the parent message
    state      TEXT    NOT NULL DEFAULT '',
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (repo, pr, channel)
);

-- delivered_at is NULL while a message is pending; attempts counts the
-- failed attempts.
CREATE TABLE slack_deliveries (
    id           INTEGER PRIMARY KEY,
    repo         TEXT    NOT NULL CHECK (repo <> ''),
    pr           INTEGER NOT NULL CHECK (pr > 0),
    channel      TEXT    NOT NULL CHECK (channel <> ''),
    event        TEXT    NOT NULL CHECK (json_valid(event)),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT    NOT NULL,
    delivered_at TEXT,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL
);

-- The sender reads the pending messages oldest first; the delivered ones,
-- most of the table, stay out of its way.
CREATE INDEX slack_deliveries_pending ON slack_deliveries (id) WHERE delivered_at IS NULL;

-- Prune deletes the messages delivered before its cutoff.
CREATE INDEX slack_deliveries_delivered ON slack_deliveries (delivered_at) WHERE delivered_at IS NOT NULL;
