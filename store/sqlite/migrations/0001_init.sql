-- stint's schema for SQLite. Times are UTC text, fixed width with
-- microseconds ("2006-01-02T15:04:05.000000Z"), so they sort and compare as
-- text. Nested values are JSON text.

CREATE TABLE requests (
    id              TEXT PRIMARY KEY,
    requester_id    TEXT NOT NULL,
    requester_email TEXT NOT NULL,
    flow            TEXT NOT NULL,
    resources       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    duration_ns     INTEGER NOT NULL,
    starts_at       TEXT,
    state           TEXT NOT NULL,
    reviews         TEXT NOT NULL,
    auto_approved   INTEGER NOT NULL,
    review_by       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL
) STRICT;

CREATE INDEX requests_created ON requests (created_at, id);
CREATE INDEX requests_requester ON requests (requester_id, created_at, id);
CREATE INDEX requests_state ON requests (state, created_at, id);

CREATE TABLE grants (
    id                 TEXT PRIMARY KEY,
    request_id         TEXT NOT NULL,
    flow               TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    user_email         TEXT NOT NULL,
    resource_id        TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    account_name       TEXT NOT NULL,
    permission_set     TEXT NOT NULL,
    permission_set_arn TEXT NOT NULL,
    state              TEXT NOT NULL,
    starts_at          TEXT NOT NULL,
    ends_at            TEXT NOT NULL,
    end_reason         TEXT NOT NULL,
    ended_at           TEXT,
    revoked_by         TEXT NOT NULL,
    extensions         INTEGER NOT NULL,
    failed_op          TEXT NOT NULL,
    last_error         TEXT NOT NULL,
    attempts           INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL,
    -- due_at is when the grant's next timed step is due (see GrantListDue);
    -- NULL for grants with none, which keeps them out of grants_due.
    due_at TEXT GENERATED ALWAYS AS (
        CASE
            WHEN state = 'scheduled' THEN starts_at
            WHEN state IN ('activating', 'active', 'failed') THEN ends_at
        END
    ) VIRTUAL
) STRICT;

CREATE INDEX grants_created ON grants (created_at, id);
CREATE INDEX grants_user ON grants (user_id, created_at, id);
CREATE INDEX grants_request ON grants (request_id, created_at, id);
CREATE INDEX grants_state ON grants (state, created_at, id);
CREATE INDEX grants_starts ON grants (starts_at);
CREATE INDEX grants_ends ON grants (ends_at);
CREATE INDEX grants_due ON grants (due_at, id) WHERE due_at IS NOT NULL;

CREATE TABLE effects (
    key                TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    permission_set_arn TEXT NOT NULL,
    principal_type     TEXT NOT NULL,
    principal_id       TEXT NOT NULL,
    state              TEXT NOT NULL,
    preexisting        INTEGER NOT NULL,
    holders            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL
) STRICT;

CREATE INDEX effects_kind ON effects (kind, key);

CREATE TABLE events (
    id      TEXT PRIMARY KEY,
    time    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    type    TEXT NOT NULL,
    subject TEXT NOT NULL,
    data    TEXT NOT NULL
) STRICT;

CREATE INDEX events_time ON events (time, id);
CREATE INDEX events_subject ON events (subject, time, id);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    user_email TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
) STRICT;

-- directory holds the latest snapshot in its only row.
CREATE TABLE directory (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    data      TEXT NOT NULL,
    synced_at TEXT NOT NULL
) STRICT;
