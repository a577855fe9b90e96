-- Keyset pages of an organisation's cases, newest first (issue 11, item 7): each case gets
-- its position in creation order (seq), copied onto its participant rows (case_seq), so the
-- owner's and the participants' pages are both read through an index on (org, seq).
ALTER TABLE cases ADD COLUMN seq INTEGER;
UPDATE cases SET seq = rowid WHERE seq IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS cases_seq ON cases (seq);
CREATE INDEX IF NOT EXISTS cases_by_owner_seq ON cases (owner_org_id, seq);

ALTER TABLE case_participants ADD COLUMN case_seq INTEGER;
UPDATE case_participants SET case_seq = (SELECT seq FROM cases WHERE cases.id = case_participants.case_id)
    WHERE case_seq IS NULL;
CREATE INDEX IF NOT EXISTS case_participants_by_org_seq ON case_participants (org_id, case_seq);
