-- rrm schema: alerts between partners. Named groups of organisations (maintained by the
-- operator), alerts, their recipients (one row per recipient organisation, its state) and
-- each recipient's recorded answers. The inbox pages by (org_id, seq) of the recipient rows,
-- the sent list by (sender_org_id, seq) of the alerts, newest first, through indexes.
-- Every statement is IF NOT EXISTS, so the migration also runs on a file that already has
-- these tables (a test database whose version was set back to re-run earlier migrations).

CREATE TABLE IF NOT EXISTS alert_groups (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL UNIQUE,
    created  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS alert_group_members (
    group_id INTEGER NOT NULL REFERENCES alert_groups(id),
    org_id   INTEGER NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (group_id, org_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS alerts (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    sender_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    sender_user_id INTEGER NOT NULL,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    priority       TEXT NOT NULL,
    tlp            TEXT NOT NULL,
    objects        TEXT NOT NULL,
    responses      TEXT NOT NULL,
    respond_by     INTEGER,
    created        INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS alerts_by_sender ON alerts (sender_org_id, seq);

CREATE TABLE IF NOT EXISTS alert_recipients (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_seq    INTEGER NOT NULL REFERENCES alerts(seq),
    org_id       INTEGER NOT NULL REFERENCES orgs(id),
    state        TEXT NOT NULL,
    via_group    TEXT,
    forwarded_by INTEGER,
    added        INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    UNIQUE (alert_seq, org_id)
);

CREATE INDEX IF NOT EXISTS alert_recipients_by_org ON alert_recipients (org_id, seq);

CREATE TABLE IF NOT EXISTS alert_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_seq   INTEGER NOT NULL REFERENCES alerts(seq),
    org_id      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    comment     TEXT NOT NULL,
    at          INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS alert_events_by_alert ON alert_events (alert_seq, seq);
