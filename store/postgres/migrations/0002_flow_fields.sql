-- Flows grew approval steps, tickets, bundles, break-glass, extension
-- requests and an activation window. Existing rows take the values that mean
-- "none": no ticket, no bundle, no steps (JSON null), not break-glass, not an
-- extension.

ALTER TABLE requests
    ADD COLUMN ticket        text NOT NULL DEFAULT '',
    ADD COLUMN bundle        text NOT NULL DEFAULT '',
    ADD COLUMN break_glass   boolean NOT NULL DEFAULT false,
    ADD COLUMN steps         jsonb NOT NULL DEFAULT 'null',
    ADD COLUMN extends_grant text NOT NULL DEFAULT '',
    ADD COLUMN extend_by_ns  bigint NOT NULL DEFAULT 0;

-- Ready grants are due at the end of their activation window, their ends_at.
-- Before PostgreSQL 17 a generated column cannot change: drop it (which drops
-- grants_due) and add it again, in the same rewrite as the new columns.
ALTER TABLE grants
    ADD COLUMN duration_ns bigint NOT NULL DEFAULT 0,
    ADD COLUMN break_glass boolean NOT NULL DEFAULT false,
    DROP COLUMN due_at,
    ADD COLUMN due_at timestamptz GENERATED ALWAYS AS (
        CASE
            WHEN state = 'scheduled' THEN starts_at
            WHEN state IN ('ready', 'activating', 'active', 'failed') THEN ends_at
        END
    ) STORED;
CREATE INDEX grants_due ON grants (due_at, id) WHERE due_at IS NOT NULL;

-- A grant lasts what its request asked for.
UPDATE grants SET duration_ns = requests.duration_ns
FROM requests WHERE requests.id = grants.request_id;
