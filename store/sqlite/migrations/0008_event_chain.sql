-- The audit trail becomes a hash chain. Each event takes its place (seq),
-- the hash of the event before it and its own hash when its transaction
-- commits; event_chain holds the head, so appenders take turns on it.
-- Events written before this migration have no place yet: the store seals
-- them, oldest first, when it next opens the database. checkpoints hold
-- signed statements of the head.

ALTER TABLE events ADD COLUMN seq       INTEGER;
ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN hash      TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX events_seq ON events (seq);

CREATE TABLE event_chain (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO event_chain (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    time      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
) STRICT;
