-- Robots (issue 5): the registry as RobotService defines it, exactly-once robot messages, commands
-- as sent, malformed-message reports.

-- The API's robot id is 3..64 characters of [A-Za-z0-9_-] (robot_service.proto); a display name and a
-- serial number are optional (serial up to 100 characters, unique when set).
ALTER TABLE robots DROP CONSTRAINT robots_robot_key_check;
ALTER TABLE robots ADD CONSTRAINT robots_robot_key_check CHECK (robot_key ~ '^[A-Za-z0-9_-]{3,64}$');
ALTER TABLE robots DROP CONSTRAINT robots_display_name_check;
ALTER TABLE robots ALTER COLUMN display_name SET DEFAULT '';
ALTER TABLE robots ADD CONSTRAINT robots_display_name_check CHECK (length(display_name) <= 100);
ALTER TABLE robots DROP CONSTRAINT robots_serial_number_check;
ALTER TABLE robots ADD CONSTRAINT robots_serial_number_check CHECK (length(serial_number) BETWEEN 1 AND 100);

ALTER TABLE robots
    ADD COLUMN enabled              boolean     NOT NULL DEFAULT false,
    ADD COLUMN heading_degrees      double precision,
    ADD COLUMN base_latitude        double precision,
    ADD COLUMN base_longitude       double precision,
    ADD COLUMN base_heading_degrees double precision,
    ADD COLUMN error_code           text        CHECK (length(error_code) <= 64),
    ADD COLUMN error_message        text        CHECK (length(error_message) <= 500),
    ADD COLUMN state_changed_at     timestamptz NOT NULL DEFAULT now();
-- Dispatch looks for free robots: IDLE, connected, enabled, without a reservation.
CREATE INDEX robots_free_idx ON robots (lot_id) WHERE state = 'IDLE' AND online AND enabled AND current_reservation_id IS NULL;

-- Deduplication of robot messages by (robot, sequence), the key the protocol defines. robot_logs is
-- partitioned by the robot's timestamp, and a unique index on a partitioned table must contain the
-- partition key, so it cannot hold this key by itself: this narrow table does. Inserting here with
-- ON CONFLICT DO NOTHING and writing to robot_logs only what was new happens in one statement.
-- recorded_at lets keys be pruned together with the log partitions they guard.
CREATE TABLE robot_message_keys (
    robot_id             uuid        NOT NULL,
    sequence             bigint      NOT NULL CHECK (sequence > 0),
    recorded_at          timestamptz NOT NULL,
    PRIMARY KEY (robot_id, sequence)
);

-- The message exactly as received (protobuf bytes of Telemetry, RobotEvent or ConnectionChange), so
-- ListRobotLogs returns what the robot sent; the other columns stay for SQL queries.
ALTER TABLE robot_logs ADD COLUMN message bytea;

-- The command as issued (protobuf bytes of RobotCommand); NULL for commands queued by other code
-- (the CANCEL of ReservationService), which are built from kind, reservation and the robot at send time.
ALTER TABLE robot_commands ADD COLUMN message bytea;
ALTER TABLE robot_commands ADD COLUMN error text CHECK (length(error) <= 600);
CREATE INDEX robot_commands_robot_time_idx ON robot_commands (robot_id, created_at);

-- Whoever queues a command tells every replica; the one holding a bridge stream sends it.
CREATE FUNCTION robot_commands_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chargebot_robot_commands', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER robot_commands_notify AFTER INSERT ON robot_commands
    FOR EACH STATEMENT EXECUTE FUNCTION robot_commands_notify();

-- Malformed-message reports from bridges (acknowledged by report id, so stored once) and robot
-- messages the server refused (unknown robot, invalid content).
ALTER TABLE robot_rejected_messages
    ADD COLUMN report_id    text        UNIQUE CHECK (length(report_id) <= 64),
    ADD COLUMN robot_key    text        CHECK (length(robot_key) <= 64),
    ADD COLUMN bridge_id    text        CHECK (length(bridge_id) <= 64),
    ADD COLUMN content_type text        CHECK (length(content_type) <= 256),
    ADD COLUMN payload_size integer;
CREATE INDEX robot_rejected_messages_time_idx ON robot_rejected_messages (received_at);
