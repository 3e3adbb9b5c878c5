-- Tokens expire after a time unused, and an account keeps only its most recent ones.
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET last_used_at = created_at;
CREATE INDEX tokens_by_user ON tokens(user_id, last_used_at);
CREATE INDEX tokens_by_use ON tokens(last_used_at);
