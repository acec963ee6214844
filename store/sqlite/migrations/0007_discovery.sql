-- Discovery scans (`stint discover`): each scan's header (accounts,
-- summary, notes) and inventory as JSON, and its findings one a row, so
-- that they can be filtered and two scans compared.
CREATE TABLE discovery_scans (
    id         TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    meta       TEXT NOT NULL, -- the scan without findings and inventory
    inventory  TEXT NOT NULL
) STRICT;

CREATE INDEX discovery_scans_started ON discovery_scans (started_at, id);

CREATE TABLE discovery_findings (
    scan_id      TEXT NOT NULL REFERENCES discovery_scans (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    score        INTEGER NOT NULL,
    account_id   TEXT NOT NULL,
    account_name TEXT NOT NULL,
    principal    TEXT NOT NULL,
    data         TEXT NOT NULL, -- the whole finding
    PRIMARY KEY (scan_id, key)
) STRICT;

CREATE INDEX discovery_findings_score ON discovery_findings (scan_id, score DESC, key);
