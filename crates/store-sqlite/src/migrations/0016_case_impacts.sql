-- rrm schema: impacts recorded on response cases (the OASIS incident suite's `impact`,
-- issue 11, item 4). The category's own properties and the entity counts are JSON text the
-- cases service writes and reads. Idempotent (IF NOT EXISTS).

CREATE TABLE IF NOT EXISTS case_impacts (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases(id),
    category       TEXT NOT NULL,
    details        TEXT NOT NULL,
    criticality    INTEGER,
    description    TEXT NOT NULL,
    start_time     INTEGER,
    end_time       INTEGER,
    recoverability TEXT,
    entity_counts  TEXT NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created        INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS case_impacts_by_case ON case_impacts (case_id, created);
