-- The web console's sessions: only the SHA-256 of each secret is stored.
CREATE TABLE IF NOT EXISTS sessions (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created      INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    idle_expires INTEGER NOT NULL,
    expires      INTEGER NOT NULL,
    user_agent   TEXT NOT NULL,
    address      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, created);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions(expires);
