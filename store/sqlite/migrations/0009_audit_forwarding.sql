-- Audit queries, forwarding and retention.
--
-- request_resources records the resources and accounts each request names,
-- so that the audit trail is searched by resource and account (a request's
-- events have the request as subject); filled for existing requests here
-- and by RequestCreate from now on. Grants are searched by resource,
-- account and flow, with their start, for "who had access between T1 and
-- T2"; requests by flow.
CREATE TABLE request_resources (
    request_id  TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    PRIMARY KEY (request_id, resource_id)
) STRICT;
CREATE INDEX request_resources_resource ON request_resources (resource_id);
CREATE INDEX request_resources_account ON request_resources (account_id);
INSERT OR IGNORE INTO request_resources (request_id, resource_id, account_id)
    SELECT requests.id, coalesce(json_extract(r.value, '$.id'), ''), coalesce(json_extract(r.value, '$.account_id'), '')
    FROM requests, json_each(requests.resources) AS r;

CREATE INDEX grants_resource ON grants (resource_id, starts_at);
CREATE INDEX grants_account ON grants (account_id, starts_at);
CREATE INDEX grants_flow ON grants (flow, starts_at);
CREATE INDEX requests_flow ON requests (flow, created_at);

-- forward_cursors holds, per forwarding destination, the place in the
-- chain up to which every event was delivered.
CREATE TABLE forward_cursors (
    name         TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL,
    forwarded_at TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    last_error   TEXT NOT NULL,
    version      INTEGER NOT NULL
) STRICT;

-- anchors hold the signed statements of where retention cut the chain:
-- the events up to seq were deleted, and the oldest kept one links to hash.
CREATE TABLE anchors (
    seq       INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    time      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL,
    pruned    INTEGER NOT NULL
) STRICT;
