-- rrm schema, version 5: ownership and revocation per (collection, object id).
--
-- Object ownership used to be a hub-wide fact about an id (object_owner): a refusal then told
-- any writer that the id was stored somewhere, even in a collection it cannot read, and one
-- organisation could claim content-addressed observable ids for every collection. Now the
-- organisation that first stores a versioned object in a collection owns it there, and
-- unversioned objects (cyber-observables) are never owned: each organisation keeps its own
-- copy. The state is kept when versions are deleted: revocation is final.

CREATE TABLE object_state (
    ckey             INTEGER NOT NULL REFERENCES collections(ckey),
    id               TEXT NOT NULL,
    owner_org_id     INTEGER NOT NULL,
    revoked          INTEGER NOT NULL DEFAULT 0,
    revoked_version  INTEGER,
    PRIMARY KEY (ckey, id)
) WITHOUT ROWID;

INSERT INTO object_state (ckey, id, owner_org_id, revoked, revoked_version)
SELECT o.ckey, o.id,
       COALESCE((SELECT w.owner_org_id FROM object_owner w WHERE w.id = o.id),
                MIN(o.submitter_org_id)),
       -- A revocation recorded hub-wide stays, even if its revoking version was deleted.
       MAX(MAX(o.revoked),
           COALESCE((SELECT w.revoked FROM object_owner w WHERE w.id = o.id), 0)),
       COALESCE(MIN(CASE WHEN o.revoked THEN o.version END),
                (SELECT w.revoked_version FROM object_owner w WHERE w.id = o.id))
FROM objects o
WHERE o.version IS NOT NULL
GROUP BY o.ckey, o.id;

DROP TABLE object_owner;

-- Each organisation's copy of an unversioned object is looked up by its submitter.
CREATE INDEX objects_unversioned ON objects(ckey, id, submitter_org_id) WHERE version IS NULL;
