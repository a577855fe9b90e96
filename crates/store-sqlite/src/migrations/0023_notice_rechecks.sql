-- Re-checks of notices (issue 12): after a decision, the sender asks on fresh data which of the
-- notice's items are still active; each answer is kept with its time.
CREATE TABLE IF NOT EXISTS notice_rechecks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    notice_id TEXT NOT NULL REFERENCES notices (id),
    sender_org_id INTEGER NOT NULL,
    job_id TEXT,
    result TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notice_rechecks_notice ON notice_rechecks (notice_id, seq);
