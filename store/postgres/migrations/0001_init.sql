-- Records of every kind, ordered by the bytes of their key within
-- (account, kind). bytea keeps SQLite's byte order and accepts any key.
CREATE TABLE iamd_kv (
    account bytea NOT NULL,
    kind    bytea NOT NULL,
    key     bytea NOT NULL,
    value   bytea NOT NULL,
    PRIMARY KEY (account, kind, key)
);

-- The change feed. seq is the writing transaction's id shifted left 20
-- bits plus the change's place in it: a reader returns only changes of
-- transactions older than every transaction still running (the snapshot's
-- xmin), so no change can later appear below one already read.
CREATE TABLE iamd_changes (
    seq     bigint PRIMARY KEY,
    account bytea NOT NULL,
    kind    bytea NOT NULL,
    key     bytea NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
-- Pruning finds the old changes by time.
CREATE INDEX iamd_changes_at ON iamd_changes (at);

-- Where the pruned feed now begins: readers further behind start over.
CREATE TABLE iamd_feed (
    id             int PRIMARY KEY CHECK (id = 1),
    pruned_through bigint NOT NULL
);
INSERT INTO iamd_feed VALUES (1, 0);
