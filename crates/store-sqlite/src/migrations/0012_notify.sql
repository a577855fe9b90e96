-- rrm schema: notifications. Webhook subscriptions and e-mail contacts per organisation, and
-- the outbox of deliveries: one row per subscription and event, claimed with a lease so that
-- a process killed while it sends leaves the row to be sent again. Times are milliseconds.

CREATE TABLE notify_webhooks (
    id          TEXT PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    url         TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created     INTEGER NOT NULL
);

CREATE INDEX notify_webhooks_by_org ON notify_webhooks (org_id, created);

CREATE TABLE notify_contacts (
    id          TEXT PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    address     TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created     INTEGER NOT NULL,
    UNIQUE (org_id, address)
);

CREATE TABLE notify_deliveries (
    id            TEXT PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    channel       TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subject       TEXT,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    next_attempt  INTEGER NOT NULL,
    lease_until   INTEGER,
    last_error    TEXT,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);

CREATE INDEX notify_deliveries_due ON notify_deliveries (status, next_attempt);
CREATE INDEX notify_deliveries_by_org ON notify_deliveries (org_id, created);
CREATE INDEX notify_deliveries_by_target ON notify_deliveries (target_id);
