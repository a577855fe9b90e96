-- rrm schema: breach and personal-data-misuse reports (issue 12). One row per report at its
-- current revision, and every revision (each phase or update) in breach_revisions. Contents
-- are the service's JSON text (counts and categories, never names). Lists page by
-- (reporter_org_id, seq) and (recipient_org_id, seq); the deadline sweep reads the reports not
-- yet escalated whose deadline passed through a partial index; the retention job reads by
-- aware_at.

CREATE TABLE IF NOT EXISTS breaches (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    reporter_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    recipient_org_id INTEGER NOT NULL REFERENCES orgs(id),
    created_by       INTEGER NOT NULL,
    regime           TEXT NOT NULL,
    title            TEXT NOT NULL,
    aware_at         INTEGER NOT NULL,
    deadline         INTEGER,
    revision         INTEGER NOT NULL,
    status           TEXT NOT NULL,
    contents         TEXT NOT NULL,
    deferred         TEXT NOT NULL,
    delay_reasons    TEXT,
    submitted_at     INTEGER,
    escalated_at     INTEGER,
    actors           TEXT NOT NULL,
    created          INTEGER NOT NULL,
    updated          INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS breaches_by_reporter ON breaches (reporter_org_id, seq);
CREATE INDEX IF NOT EXISTS breaches_by_recipient ON breaches (recipient_org_id, seq);
CREATE INDEX IF NOT EXISTS breaches_due ON breaches (deadline)
    WHERE escalated_at IS NULL AND status IN ('draft', 'submitted', 'acknowledged');
CREATE INDEX IF NOT EXISTS breaches_by_awareness ON breaches (aware_at);

CREATE TABLE IF NOT EXISTS breach_revisions (
    breach_seq    INTEGER NOT NULL REFERENCES breaches(seq),
    revision      INTEGER NOT NULL,
    user_id       INTEGER,
    action        TEXT NOT NULL,
    rule          TEXT NOT NULL,
    status        TEXT NOT NULL,
    contents      TEXT NOT NULL,
    deferred      TEXT NOT NULL,
    delay_reasons TEXT,
    submitted_at  INTEGER,
    escalated_at  INTEGER,
    actors        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (breach_seq, revision)
) WITHOUT ROWID;
