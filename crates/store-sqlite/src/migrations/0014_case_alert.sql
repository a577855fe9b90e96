-- The alert a response case was opened from, if any (issue 11, item 3).
ALTER TABLE cases ADD COLUMN alert_id TEXT;
