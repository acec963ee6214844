-- stint's schema for PostgreSQL. Times are timestamptz (microseconds);
-- nested values are jsonb.

CREATE TABLE requests (
    id              text PRIMARY KEY,
    requester_id    text NOT NULL,
    requester_email text NOT NULL,
    flow            text NOT NULL,
    resources       jsonb NOT NULL,
    reason          text NOT NULL,
    duration_ns     bigint NOT NULL,
    starts_at       timestamptz,
    state           text NOT NULL,
    reviews         jsonb NOT NULL,
    auto_approved   boolean NOT NULL,
    review_by       timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         bigint NOT NULL
);

CREATE INDEX requests_created ON requests (created_at, id);
CREATE INDEX requests_requester ON requests (requester_id, created_at, id);
CREATE INDEX requests_state ON requests (state, created_at, id);

CREATE TABLE grants (
    id                 text PRIMARY KEY,
    request_id         text NOT NULL,
    flow               text NOT NULL,
    user_id            text NOT NULL,
    user_email         text NOT NULL,
    resource_id        text NOT NULL,
    account_id         text NOT NULL,
    account_name       text NOT NULL,
    permission_set     text NOT NULL,
    permission_set_arn text NOT NULL,
    state              text NOT NULL,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    end_reason         text NOT NULL,
    ended_at           timestamptz,
    revoked_by         text NOT NULL,
    extensions         integer NOT NULL,
    failed_op          text NOT NULL,
    last_error         text NOT NULL,
    attempts           integer NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            bigint NOT NULL,
    -- due_at is when the grant's next timed step is due (see GrantListDue);
    -- NULL for grants with none, which keeps them out of grants_due.
    due_at timestamptz GENERATED ALWAYS AS (
        CASE
            WHEN state = 'scheduled' THEN starts_at
            WHEN state IN ('activating', 'active', 'failed') THEN ends_at
        END
    ) STORED
);

CREATE INDEX grants_created ON grants (created_at, id);
CREATE INDEX grants_user ON grants (user_id, created_at, id);
CREATE INDEX grants_request ON grants (request_id, created_at, id);
CREATE INDEX grants_state ON grants (state, created_at, id);
CREATE INDEX grants_starts ON grants (starts_at);
CREATE INDEX grants_ends ON grants (ends_at);
CREATE INDEX grants_due ON grants (due_at, id) WHERE due_at IS NOT NULL;

CREATE TABLE effects (
    key                text PRIMARY KEY,
    kind               text NOT NULL,
    account_id         text NOT NULL,
    permission_set_arn text NOT NULL,
    principal_type     text NOT NULL,
    principal_id       text NOT NULL,
    state              text NOT NULL,
    preexisting        boolean NOT NULL,
    holders            jsonb NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            bigint NOT NULL
);

CREATE INDEX effects_kind ON effects (kind, key);

CREATE TABLE events (
    id      text PRIMARY KEY,
    time    timestamptz NOT NULL,
    actor   text NOT NULL,
    type    text NOT NULL,
    subject text NOT NULL,
    data    jsonb NOT NULL
);

CREATE INDEX events_time ON events (time, id);
CREATE INDEX events_subject ON events (subject, time, id);

CREATE TABLE tokens (
    id         text PRIMARY KEY,
    hash       text NOT NULL UNIQUE,
    user_email text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz
);

-- directory holds the latest snapshot in its only row.
CREATE TABLE directory (
    id        integer PRIMARY KEY CHECK (id = 1),
    data      jsonb NOT NULL,
    synced_at timestamptz NOT NULL
);
