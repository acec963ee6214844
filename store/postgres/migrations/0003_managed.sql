-- managed records what `stint apply` created in Identity Center, so that a
-- later apply deletes it once the identity file no longer declares it.
CREATE TABLE managed (
    kind       text NOT NULL,
    key        text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);

-- Events are listed by type (the latest identity.drift, audit queries).
CREATE INDEX events_type_time ON events (type, time, id);
