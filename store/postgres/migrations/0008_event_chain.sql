-- The audit trail becomes a hash chain. Each event takes its place (seq),
-- the hash of the event before it and its own hash when its transaction
-- commits; event_chain holds the head, so appenders take turns on it.
-- Events written before this migration have no place yet: the store seals
-- them, oldest first, when it next opens the database. checkpoints hold
-- signed statements of the head.

ALTER TABLE events
    ADD COLUMN seq       bigint,
    ADD COLUMN prev_hash text NOT NULL DEFAULT '',
    ADD COLUMN hash      text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX events_seq ON events (seq);

CREATE TABLE event_chain (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO event_chain (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE checkpoints (
    seq       bigint PRIMARY KEY,
    hash      text NOT NULL,
    time      timestamptz NOT NULL,
    key_id    text NOT NULL,
    signature text NOT NULL
);
