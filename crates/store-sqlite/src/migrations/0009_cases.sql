-- rrm schema: response cases, their participant organisations, the STIX objects they gather
-- (by reference), their response actions and their collective responses (proposals and one
-- vote per organisation). Statuses are the response engine's wire names. Idempotent (IF NOT
-- EXISTS), so the migration tests that rewind the schema version to re-run an older migration
-- pass over it.

CREATE TABLE IF NOT EXISTS cases (
    id            TEXT PRIMARY KEY,
    owner_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    status        TEXT NOT NULL,
    reopen_reason TEXT,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS cases_by_owner ON cases (owner_org_id, created);

CREATE TABLE IF NOT EXISTS case_participants (
    case_id TEXT NOT NULL REFERENCES cases(id),
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    added   INTEGER NOT NULL,
    PRIMARY KEY (case_id, org_id)
);

CREATE INDEX IF NOT EXISTS case_participants_by_org ON case_participants (org_id);

CREATE TABLE IF NOT EXISTS case_objects (
    case_id       TEXT NOT NULL REFERENCES cases(id),
    collection_id TEXT NOT NULL REFERENCES collections(id),
    object_id     TEXT NOT NULL,
    added_by      INTEGER NOT NULL REFERENCES users(id),
    added         INTEGER NOT NULL,
    PRIMARY KEY (case_id, collection_id, object_id)
);

CREATE TABLE IF NOT EXISTS case_actions (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases(id),
    counter_id        TEXT,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    performing_org_id INTEGER NOT NULL REFERENCES orgs(id),
    target_org_id     INTEGER REFERENCES orgs(id),
    due               INTEGER,
    status            TEXT NOT NULL,
    author_id         INTEGER NOT NULL REFERENCES users(id),
    proposer_id       INTEGER REFERENCES users(id),
    approver_id       INTEGER REFERENCES users(id),
    created           INTEGER NOT NULL,
    updated           INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS case_actions_by_case ON case_actions (case_id, created);

CREATE TABLE IF NOT EXISTS case_proposals (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(id),
    text       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    deadline   INTEGER,
    status     TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS case_proposals_by_case ON case_proposals (case_id, created);

CREATE TABLE IF NOT EXISTS case_votes (
    proposal_id TEXT NOT NULL REFERENCES case_proposals(id),
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    ballot      TEXT NOT NULL,
    cast_at     INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, org_id)
);
