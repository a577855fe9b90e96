-- rrm schema: notices, the transactional outbox of domain changes. A service's store writes a
-- notice in the same transaction as the change it announces; the relay claims unrelayed
-- notices with a lease and turns each into deliveries, marking it relayed in the same
-- transaction as the deliveries. Times are milliseconds.

CREATE TABLE notices (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    domain       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    orgs         TEXT NOT NULL,
    created      INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER,
    relayed      INTEGER
);

CREATE INDEX notices_unrelayed ON notices (seq) WHERE relayed IS NULL;
