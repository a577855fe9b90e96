-- Notice response-time statistics (issue 12): the notices sent in a period, by sender, by
-- recipient and for everyone, each read through an index on the party and the send time.
CREATE INDEX IF NOT EXISTS notices_sent_by_sender ON notices (sender_org_id, sent_at)
    WHERE sent_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS notices_sent_by_recipient ON notices (recipient_org_id, sent_at)
    WHERE sent_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS notices_sent ON notices (sent_at) WHERE sent_at IS NOT NULL;
