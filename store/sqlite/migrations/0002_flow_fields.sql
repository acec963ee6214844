-- Flows grew approval steps, tickets, bundles, break-glass, extension
-- requests and an activation window. Existing rows take the values that mean
-- "none": no ticket, no bundle, no steps (JSON null), not break-glass, not an
-- extension.

ALTER TABLE requests ADD COLUMN ticket        TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN bundle        TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN break_glass   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN steps         TEXT NOT NULL DEFAULT 'null';
ALTER TABLE requests ADD COLUMN extends_grant TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN extend_by_ns  INTEGER NOT NULL DEFAULT 0;

ALTER TABLE grants ADD COLUMN duration_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;

-- A grant lasts what its request asked for.
UPDATE grants SET duration_ns = coalesce(
    (SELECT requests.duration_ns FROM requests WHERE requests.id = grants.request_id), 0);

-- Ready grants are due at the end of their activation window, their ends_at.
-- SQLite cannot change a generated column: drop it (and its index) and add
-- it again.
DROP INDEX grants_due;
ALTER TABLE grants DROP COLUMN due_at;
ALTER TABLE grants ADD COLUMN due_at TEXT GENERATED ALWAYS AS (
    CASE
        WHEN state = 'scheduled' THEN starts_at
        WHEN state IN ('ready', 'activating', 'active', 'failed') THEN ends_at
    END
) VIRTUAL;
CREATE INDEX grants_due ON grants (due_at, id) WHERE due_at IS NOT NULL;
