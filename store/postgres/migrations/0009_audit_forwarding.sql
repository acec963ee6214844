-- Audit queries, forwarding and retention.
--
-- request_resources records the resources and accounts each request names,
-- so that the audit trail is searched by resource and account (a request's
-- events have the request as subject); filled for existing requests here
-- and by RequestCreate from now on. Grants are searched by resource,
-- account and flow, with their start, for "who had access between T1 and
-- T2"; requests by flow.
CREATE TABLE request_resources (
    request_id  text NOT NULL,
    resource_id text NOT NULL,
    account_id  text NOT NULL,
    PRIMARY KEY (request_id, resource_id)
);
CREATE INDEX request_resources_resource ON request_resources (resource_id);
CREATE INDEX request_resources_account ON request_resources (account_id);
INSERT INTO request_resources (request_id, resource_id, account_id)
    SELECT requests.id, coalesce(r->>'id', ''), coalesce(r->>'account_id', '')
    FROM requests, jsonb_array_elements(CASE jsonb_typeof(requests.resources) WHEN 'array' THEN requests.resources ELSE '[]'::jsonb END) AS r
    ON CONFLICT DO NOTHING;

CREATE INDEX grants_resource ON grants (resource_id, starts_at);
CREATE INDEX grants_account ON grants (account_id, starts_at);
CREATE INDEX grants_flow ON grants (flow, starts_at);
CREATE INDEX requests_flow ON requests (flow, created_at);

-- forward_cursors holds, per forwarding destination, the place in the
-- chain up to which every event was delivered.
CREATE TABLE forward_cursors (
    name         text PRIMARY KEY,
    seq          bigint NOT NULL,
    forwarded_at timestamptz NOT NULL,
    attempted_at timestamptz NOT NULL,
    last_error   text NOT NULL,
    version      bigint NOT NULL
);

-- anchors hold the signed statements of where retention cut the chain:
-- the events up to seq were deleted, and the oldest kept one links to hash.
CREATE TABLE anchors (
    seq       bigint PRIMARY KEY,
    hash      text NOT NULL,
    time      timestamptz NOT NULL,
    key_id    text NOT NULL,
    signature text NOT NULL,
    pruned    bigint NOT NULL
);
