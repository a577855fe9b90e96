-- The transactional outbox of domain changes was called `notices`; that name now belongs to the
-- notices sent to platforms and ISPs (issue 12), so the outbox becomes `domain_events`.
ALTER TABLE notices RENAME TO domain_events;
DROP INDEX IF EXISTS notices_unrelayed;
CREATE INDEX IF NOT EXISTS domain_events_unrelayed ON domain_events (seq) WHERE relayed IS NULL;
