-- rrm schema, version 8: uploaded post datasets and detection jobs are stored, so they survive
-- a restart. A dataset's upload is kept as a compressed blob; an evicted dataset (a newer
-- upload took its place) stays, hidden, while an active job uses it.

CREATE TABLE detect_datasets (
    id            TEXT PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    name          TEXT NOT NULL,
    format        TEXT NOT NULL,
    skip_invalid  INTEGER NOT NULL,
    account_type  TEXT,
    records       INTEGER NOT NULL,
    posts         INTEGER NOT NULL,
    users         INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    skipped       INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    evicted       INTEGER NOT NULL DEFAULT 0,
    content       BLOB NOT NULL
);

CREATE INDEX detect_datasets_by_org ON detect_datasets (org_id, evicted, created);

CREATE TABLE detect_jobs (
    id             TEXT PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    dataset_id     TEXT NOT NULL,
    networks       TEXT NOT NULL,
    req_window     REAL,
    min_weight     INTEGER NOT NULL,
    similarity     REAL NOT NULL,
    status         TEXT NOT NULL,
    progress       REAL NOT NULL,
    window_seconds REAL,
    error          TEXT,
    result         BLOB,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL
);

CREATE INDEX detect_jobs_by_org ON detect_jobs (org_id, created);
CREATE INDEX detect_jobs_by_status ON detect_jobs (status);
