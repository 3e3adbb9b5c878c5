-- Counting and listing a user's live devices reads the index alone.
CREATE INDEX devices_by_user_expiry ON devices(user_id, expires_at);
DROP INDEX devices_by_user;
