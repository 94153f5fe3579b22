-- Web sessions, login throttling and API tokens. Kept in the database so any number of app
-- servers share them (a login through one server continues on another).

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed logins per account and per address within a window (rate limiting across servers).
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
);

-- Per-user API tokens; only the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES users (username),
    label        TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
