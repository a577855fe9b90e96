-- rrm schema: the STIX indicators a bank entry was published as before its current one
-- (enabling a disabled entry publishes a new indicator; the revoked one stays), so that a
-- raise of the bank's TLP deletes their versions at a looser marking too.

CREATE TABLE bank_retired_indicators (
    entry_id INTEGER NOT NULL REFERENCES bank_entries(id),
    stix_id  TEXT NOT NULL,
    PRIMARY KEY (entry_id, stix_id)
) WITHOUT ROWID;
