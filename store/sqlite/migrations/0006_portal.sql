-- The portal's sessions. hash is the SHA-256 of the secret the browser
-- holds, never the secret; user_email is '' while a sign-in is in progress
-- (data then holds its OIDC state, nonce and PKCE verifier).
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_email TEXT NOT NULL,
    method     TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_seen ON sessions (seen_at);

-- The audit log is searched by actor.
CREATE INDEX events_actor_time ON events (actor, time, id);
