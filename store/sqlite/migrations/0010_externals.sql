-- Third-party (external) users: invited by email, bound to TOTP, outside
-- the identity store. Secrets are never stored in the clear: invite_hash
-- and recovery_hashes (a JSON array) are SHA-256 hashes, totp_secret is
-- sealed by the service. email is stored in lower case.
CREATE TABLE externals (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    org               TEXT NOT NULL,
    sponsor           TEXT NOT NULL,
    invited_by        TEXT NOT NULL,
    state             TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    invite_hash       TEXT NOT NULL,
    invite_expires_at TEXT NOT NULL,
    invite_used_at    TEXT,
    totp_secret       TEXT NOT NULL,
    enrolled_at       TEXT,
    totp_step         INTEGER NOT NULL,
    failures          INTEGER NOT NULL,
    failed_at         TEXT,
    locked_until      TEXT,
    recovery_hashes   TEXT NOT NULL,
    disabled_at       TEXT,
    disabled_by       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL
) STRICT;

CREATE INDEX externals_invite ON externals (invite_hash);
