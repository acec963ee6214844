-- Third-party (external) users: invited by email, bound to TOTP, outside
-- the identity store. Secrets are never stored in the clear: invite_hash
-- and recovery_hashes are SHA-256 hashes, totp_secret is sealed by the
-- service. email is stored in lower case.
CREATE TABLE externals (
    id                text PRIMARY KEY,
    email             text NOT NULL UNIQUE,
    org               text NOT NULL,
    sponsor           text NOT NULL,
    invited_by        text NOT NULL,
    state             text NOT NULL,
    expires_at        timestamptz NOT NULL,
    invite_hash       text NOT NULL,
    invite_expires_at timestamptz NOT NULL,
    invite_used_at    timestamptz,
    totp_secret       text NOT NULL,
    enrolled_at       timestamptz,
    totp_step         bigint NOT NULL,
    failures          integer NOT NULL,
    failed_at         timestamptz,
    locked_until      timestamptz,
    recovery_hashes   jsonb NOT NULL,
    disabled_at       timestamptz,
    disabled_by       text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    version           bigint NOT NULL
);

CREATE INDEX externals_invite ON externals (invite_hash);
