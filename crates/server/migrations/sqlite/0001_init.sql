-- Times are milliseconds since the Unix epoch.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Bearer tokens, stored as SHA-256 hashes: a leaked database leaks no token.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    contact       TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    refreshed_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX devices_by_user ON devices(user_id);
CREATE INDEX devices_by_expiry ON devices(expires_at);

CREATE TABLE calls (
    id            TEXT PRIMARY KEY,
    subject       TEXT,
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    answered_at   INTEGER,
    ring_deadline INTEGER NOT NULL,
    end_reason    TEXT,
    ended_by      TEXT,
    ended_at      INTEGER
);
CREATE INDEX calls_by_state ON calls(state, ring_deadline);
CREATE INDEX calls_by_end ON calls(ended_at);

CREATE TABLE participants (
    id           TEXT PRIMARY KEY,
    call_id      TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    state        TEXT NOT NULL,
    handler_id   TEXT,
    handler_name TEXT,
    session      TEXT
);
CREATE INDEX participants_by_call ON participants(call_id);
CREATE INDEX participants_by_user ON participants(user_id);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    owner_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    from_email  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT,
    audio_file  TEXT,
    duration_ms INTEGER,
    size        INTEGER,
    created_at  INTEGER NOT NULL,
    heard       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_by_owner ON messages(owner_id, created_at);

-- The push channel's log: replayed to a device that reconnects with Last-Event-ID.
-- device_id is set for events meant for one device (commands), null for all of them.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    device_id  TEXT,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_by_user ON events(user_id, id);
CREATE INDEX events_by_time ON events(created_at);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
