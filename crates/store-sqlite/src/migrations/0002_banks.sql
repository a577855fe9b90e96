-- rrm schema, version 2: hash banks, their entries and partner feedback.

CREATE TABLE banks (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL,
    owner_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    tlp           TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    collection_id TEXT NOT NULL REFERENCES collections(id),
    created       INTEGER NOT NULL
);

-- Disabling keeps the row; (bank, signal type, value) is unique.
CREATE TABLE bank_entries (
    id                 INTEGER PRIMARY KEY,
    bank_id            INTEGER NOT NULL REFERENCES banks(id),
    signal_type        TEXT NOT NULL,
    value              TEXT NOT NULL,
    content_type       TEXT NOT NULL,
    producing_entity   TEXT NOT NULL,
    behaviour          TEXT NOT NULL,
    contributor_org_id INTEGER NOT NULL REFERENCES orgs(id),
    created            INTEGER NOT NULL,
    updated            INTEGER NOT NULL,
    enabled            INTEGER NOT NULL,
    stix_id            TEXT NOT NULL,
    UNIQUE (bank_id, signal_type, value)
);

CREATE TABLE bank_feedback (
    entry_id INTEGER NOT NULL REFERENCES bank_entries(id),
    org_id   INTEGER NOT NULL REFERENCES orgs(id),
    kind     TEXT NOT NULL,
    created  INTEGER NOT NULL,
    PRIMARY KEY (entry_id, org_id)
) WITHOUT ROWID;
