-- Call history: one row per participant of every ended call, kept after the call
-- itself is forgotten. `missed_seen_through` is the newest history id whose missed
-- call the user has seen, on any device.
ALTER TABLE participants ADD COLUMN handled_by TEXT;
ALTER TABLE users ADD COLUMN missed_seen_through INTEGER NOT NULL DEFAULT 0;

CREATE TABLE history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    call_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    peer_email  TEXT NOT NULL,
    peer_name   TEXT NOT NULL,
    subject     TEXT,
    started_at  INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at    INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    missed      INTEGER NOT NULL,
    device      TEXT,
    UNIQUE (user_id, call_id)
);
CREATE INDEX history_by_user ON history(user_id, id);
CREATE INDEX history_missed_by_user ON history(user_id, missed, id);
