-- rrm schema: deadlines with consequences (issue 11, item 1). One row per deadline message
-- sent (`reminder`, `overdue`) to an alert recipient or about a response action; the
-- primary key makes marking one a compare-and-set, so restarts or two nodes on one database
-- never send it twice. Partial indexes let the sweep find the candidates by deadline.

CREATE TABLE IF NOT EXISTS alert_reminders (
    alert_seq INTEGER NOT NULL REFERENCES alerts(seq),
    org_id    INTEGER NOT NULL REFERENCES orgs(id),
    kind      TEXT NOT NULL,
    sent      INTEGER NOT NULL,
    PRIMARY KEY (alert_seq, org_id, kind)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS action_reminders (
    action_id TEXT NOT NULL REFERENCES case_actions(id),
    kind      TEXT NOT NULL,
    sent      INTEGER NOT NULL,
    PRIMARY KEY (action_id, kind)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS alerts_by_respond_by ON alerts (respond_by)
    WHERE respond_by IS NOT NULL;

CREATE INDEX IF NOT EXISTS case_actions_by_due ON case_actions (due)
    WHERE due IS NOT NULL;

CREATE INDEX IF NOT EXISTS case_proposals_open_by_deadline ON case_proposals (deadline)
    WHERE status = 'open' AND deadline IS NOT NULL;
