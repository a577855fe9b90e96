-- Notices to platforms and ISPs (issue 12): each version a row, the recipient's decisions on
-- their items, and the operator's list of competent authorities (DSA Art. 9).
CREATE TABLE IF NOT EXISTS notices (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    root_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    previous_id TEXT UNIQUE,
    kind TEXT NOT NULL,
    sender_org_id INTEGER NOT NULL,
    recipient_org_id INTEGER NOT NULL,
    tlp TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    content TEXT NOT NULL,
    case_id TEXT,
    action_id TEXT,
    respond_by INTEGER,
    created_by INTEGER NOT NULL,
    approved_by INTEGER,
    sent_by INTEGER,
    frozen TEXT,
    content_hash TEXT,
    inbox_seq INTEGER UNIQUE,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    sent_at INTEGER,
    delivered_at INTEGER,
    acknowledged_at INTEGER,
    decided_at INTEGER,
    appeal TEXT,
    appealed_at INTEGER,
    answer TEXT,
    answer_explanation TEXT,
    answered_at INTEGER
);
CREATE INDEX IF NOT EXISTS notices_outbox ON notices (sender_org_id, seq);
CREATE INDEX IF NOT EXISTS notices_inbox ON notices (recipient_org_id, inbox_seq)
    WHERE inbox_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS notices_versions ON notices (root_id, version);
CREATE INDEX IF NOT EXISTS notices_due ON notices (respond_by)
    WHERE respond_by IS NOT NULL
      AND status IN ('draft', 'approved', 'sent', 'delivered', 'under-review');

CREATE TABLE IF NOT EXISTS notice_decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id TEXT NOT NULL REFERENCES notices (id),
    item INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    statement TEXT,
    puid TEXT,
    sender_org_id INTEGER NOT NULL,
    recipient_org_id INTEGER NOT NULL,
    decided_by INTEGER NOT NULL,
    decided_at INTEGER NOT NULL,
    UNIQUE (notice_id, item)
);
CREATE INDEX IF NOT EXISTS notice_decisions_puid ON notice_decisions (puid) WHERE puid IS NOT NULL;
CREATE INDEX IF NOT EXISTS notice_decisions_statements ON notice_decisions (recipient_org_id, seq)
    WHERE statement IS NOT NULL;

CREATE TABLE IF NOT EXISTS notice_authorities (
    org_id INTEGER PRIMARY KEY,
    set_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS notice_reminders (
    notice_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (notice_id, kind)
);
