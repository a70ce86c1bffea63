-- Robots (issue 5): expiry of deduplication keys and of the robot log (RobotLogMaintenance).

-- When the key was stored (server clock), as opposed to recorded_at (the robot's clock, which may be days old
-- when a robot uploads what it buffered offline). Keys expire by stored_at: a redelivery can only come while
-- a copy of the message is still on its way (robot retry, broker session queue, bridge), which is bounded by
-- the time since the server first stored it, never by the robot's timestamp. Existing keys get the migration
-- time (a constant default: no table rewrite), which only keeps them longer.
ALTER TABLE robot_message_keys ADD COLUMN stored_at timestamptz NOT NULL DEFAULT now();
-- Rows arrive in stored_at order, so a BRIN index finds the expired ones for a few pages of index, and
-- costs the ingest path next to nothing (unlike a second B-tree on the hottest table).
CREATE INDEX robot_message_keys_stored_brin ON robot_message_keys USING brin (stored_at);
