-- rrm schema, version 6: disabled users and the append-only account audit log.

ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE INDEX tokens_by_user ON tokens(user_id, created);

CREATE TABLE account_audit (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    actor_org_id  INTEGER,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    target_org_id INTEGER,
    detail        TEXT NOT NULL
);
CREATE INDEX account_audit_by_actor_org ON account_audit(actor_org_id, seq);
CREATE INDEX account_audit_by_target_org ON account_audit(target_org_id, seq);

CREATE TRIGGER account_audit_no_update BEFORE UPDATE ON account_audit
BEGIN
    SELECT RAISE(ABORT, 'the account audit log is append-only');
END;
CREATE TRIGGER account_audit_no_delete BEFORE DELETE ON account_audit
BEGIN
    SELECT RAISE(ABORT, 'the account audit log is append-only');
END;
