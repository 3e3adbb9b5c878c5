-- The bearer token a device registered with: signing the device out from another one
-- revokes it, so the device cannot quietly register again.
ALTER TABLE devices ADD COLUMN token_hash TEXT;
-- A text message I sent is also kept in my own mailbox, heard, with whom it went to:
-- every device of mine shows both sides of a chat.
ALTER TABLE messages ADD COLUMN to_email TEXT;
