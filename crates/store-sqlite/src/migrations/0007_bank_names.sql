-- rrm schema, version 7: bank names are unique per owner organisation, not hub-wide, so a
-- name taken by another organisation is neither refused nor revealed.

CREATE TABLE banks_new (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    owner_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    tlp           TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    collection_id TEXT NOT NULL REFERENCES collections(id),
    created       INTEGER NOT NULL,
    UNIQUE (owner_org_id, name)
);

INSERT INTO banks_new (id, name, description, owner_org_id, tlp, enabled, collection_id, created)
    SELECT id, name, description, owner_org_id, tlp, enabled, collection_id, created FROM banks;

DROP TABLE banks;

ALTER TABLE banks_new RENAME TO banks;

CREATE INDEX banks_by_name ON banks (name);
