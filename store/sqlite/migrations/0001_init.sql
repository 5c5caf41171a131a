-- Records of every kind, ordered by key within (account, kind).
CREATE TABLE kv (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   BLOB NOT NULL,
    PRIMARY KEY (account, kind, key)
) WITHOUT ROWID;

-- Every committed write, in commit order, for refreshing decision views.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    at      INTEGER NOT NULL -- Unix milliseconds
);
