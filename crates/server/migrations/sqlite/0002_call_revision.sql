-- Every change to a call raises its revision, so a device can tell a stale copy
-- (an event overtaken by a GET, or the other way round) from a newer one.
ALTER TABLE calls ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
