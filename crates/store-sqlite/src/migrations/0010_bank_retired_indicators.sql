-- rrm schema: the STIX indicators a bank entry was published as before its current one
-- (enabling a disabled entry publishes a new indicator; the revoked one stays), so that a
-- raise of the bank's TLP deletes their versions at a looser marking too.

CREATE TABLE bank_retired_indicators (
    entry_id INTEGER NOT NULL REFERENCES bank_entries(id),
    stix_id  TEXT NOT NULL,
    PRIMARY KEY (entry_id, stix_id)
) WITHOUT ROWID;

-- Entries enabled again before this migration: their earlier indicators are the revoked
-- indicators in the bank's collection that publish the same hash, in the same bank's name,
-- by the same contributor.
INSERT OR IGNORE INTO bank_retired_indicators (entry_id, stix_id)
SELECT e.id, o.id
FROM banks b
JOIN collections c ON c.id = b.collection_id
JOIN objects o ON o.ckey = c.ckey AND o.stix_type = 'indicator' AND o.revoked = 1
JOIN bank_entries e ON e.bank_id = b.id
    AND e.value = rtrim(
        substr(json_extract(o.json, '$.pattern'), instr(json_extract(o.json, '$.pattern'), ' = ''') + 4),
        ''']')
JOIN orgs g ON g.id = e.contributor_org_id AND g.identity_id = o.created_by_ref
WHERE o.id <> e.stix_id
  AND json_extract(o.json, '$.name') = e.signal_type || ' hash in bank ' || b.name
  AND json_extract(o.json, '$.pattern') = '[file:hashes.' ||
      CASE e.signal_type WHEN 'pdq' THEN '''PDQ''' WHEN 'md5' THEN 'MD5' ELSE '''SHA-256''' END ||
      ' = ''' || e.value || ''']';
