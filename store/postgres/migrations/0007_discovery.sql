-- Discovery scans (`stint discover`): each scan's header (accounts,
-- summary, notes) and inventory as JSON, and its findings one a row, so
-- that they can be filtered and two scans compared.
CREATE TABLE discovery_scans (
    id         text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    meta       jsonb NOT NULL, -- the scan without findings and inventory
    inventory  jsonb NOT NULL
);

CREATE INDEX discovery_scans_started ON discovery_scans (started_at, id);

CREATE TABLE discovery_findings (
    scan_id      text NOT NULL REFERENCES discovery_scans (id) ON DELETE CASCADE,
    key          text NOT NULL,
    kind         text NOT NULL,
    score        integer NOT NULL,
    account_id   text NOT NULL,
    account_name text NOT NULL,
    principal    text NOT NULL,
    data         jsonb NOT NULL, -- the whole finding
    PRIMARY KEY (scan_id, key)
);

CREATE INDEX discovery_findings_score ON discovery_findings (scan_id, score DESC, key);
