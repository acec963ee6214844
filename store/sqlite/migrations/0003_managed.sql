-- managed records what `stint apply` created in Identity Center, so that a
-- later apply deletes it once the identity file no longer declares it.
CREATE TABLE managed (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT;

-- Events are listed by type (the latest identity.drift, audit queries).
CREATE INDEX events_type_time ON events (type, time, id);
