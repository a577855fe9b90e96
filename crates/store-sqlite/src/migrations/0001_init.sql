-- rrm schema, version 1: organisations, users, tokens, collections, grants, objects, statuses.

CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    sector        TEXT NOT NULL,
    country       TEXT NOT NULL,
    identity_id   TEXT NOT NULL UNIQUE,
    identity_json TEXT NOT NULL,
    created       INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT,
    created       INTEGER NOT NULL
);
CREATE INDEX users_by_org ON users(org_id, username);

CREATE TABLE tokens (
    lookup      TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    secret_hash TEXT NOT NULL,
    label       TEXT NOT NULL,
    created     INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- `ckey` is the compact internal key objects refer to; `id` is the TAXII UUID.
-- `last_added` is the highest date_added ever given in the collection, so that date_added
-- keeps increasing even after deletes or a clock going backwards.
CREATE TABLE collections (
    ckey        INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    default_tlp TEXT NOT NULL,
    created     INTEGER NOT NULL,
    last_added  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE grants (
    ckey      INTEGER NOT NULL REFERENCES collections(ckey),
    org_id    INTEGER NOT NULL REFERENCES orgs(id),
    can_read  INTEGER NOT NULL,
    can_write INTEGER NOT NULL,
    PRIMARY KEY (ckey, org_id)
) WITHOUT ROWID;

-- Hub-wide facts about a STIX id: who may add versions, and whether (and from which
-- version on) it is revoked. Kept when versions are deleted: revocation is final.
CREATE TABLE object_owner (
    id               TEXT PRIMARY KEY,
    owner_org_id     INTEGER NOT NULL,
    revoked          INTEGER NOT NULL DEFAULT 0,
    revoked_version  INTEGER
) WITHOUT ROWID;

CREATE TABLE objects (
    seq               INTEGER PRIMARY KEY,
    ckey              INTEGER NOT NULL REFERENCES collections(ckey),
    id                TEXT NOT NULL,
    stix_type         TEXT NOT NULL,
    spec_version      TEXT NOT NULL,
    version           INTEGER,
    date_added        INTEGER NOT NULL,
    json              TEXT NOT NULL,
    tlp               TEXT,
    recipients        TEXT,
    created_by_ref    TEXT,
    revoked           INTEGER NOT NULL,
    submitter_user_id INTEGER NOT NULL,
    submitter_org_id  INTEGER NOT NULL,
    is_last           INTEGER NOT NULL,
    is_first          INTEGER NOT NULL
);
-- Paging in (date_added, seq) order.
CREATE INDEX objects_page ON objects(ckey, date_added, seq);
-- Lookup by id and version; also finds the first and last version of an id.
CREATE UNIQUE INDEX objects_id ON objects(ckey, id, version);
-- Paging through one type.
CREATE INDEX objects_type ON objects(ckey, stix_type, date_added, seq);

CREATE TABLE statuses (
    id      TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    json    TEXT NOT NULL
);
CREATE INDEX statuses_by_created ON statuses(created);
