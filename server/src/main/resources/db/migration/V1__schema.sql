-- ChargeBot schema v1: the whole domain of ARCHITECTURE.md.
-- Invariants live here where PostgreSQL can hold them: uniqueness, foreign keys, checks, and the
-- two exclusion constraints that make overlapping reservations impossible under any concurrency.

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- ---------------------------------------------------------------------------------------------
-- Accounts (seeds 000, 001, 002, 004)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE users (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- As entered; uniqueness and sign-in use lower(login_id).
    login_id             text        NOT NULL CHECK (length(login_id) BETWEEN 1 AND 64),
    display_name         text        NOT NULL CHECK (length(display_name) <= 100),
    -- E.164, e.g. +821012345678; NULL once the account is erased.
    phone                text        CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email                text        CHECK (length(email) <= 254),
    -- argon2id in PHC string form; NULL for social-only accounts and erased accounts.
    password_hash        text,
    role                 text        NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN')),
    join_path            text        NOT NULL DEFAULT 'HOME' CHECK (join_path IN ('HOME', 'KAKAO', 'NAVER')),
    sns_id               text,
    organization_code    text        CHECK (length(organization_code) <= 64),
    language             text        NOT NULL DEFAULT 'ko' CHECK (language IN ('ko', 'en')),
    -- Notification types the user turned off (issue 6).
    notifications_off    text[]      NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Set when the account is deleted; personal data is erased at the same time.
    deleted_at           timestamptz
);
CREATE UNIQUE INDEX users_login_id_key ON users (lower(login_id)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_phone_key ON users (phone) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_sns_key ON users (join_path, sns_id) WHERE sns_id IS NOT NULL AND deleted_at IS NULL;

-- Brute-force protection, keyed by account ("login:<lower login id>", whether or not it exists)
-- and by caller address ("addr:<ip>"), so replies never reveal whether an account exists.
CREATE TABLE sign_in_throttle (
    throttle_key         text        PRIMARY KEY,
    failures             integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_failure_at      timestamptz,
    locked_until         timestamptz
);

-- One-time codes sent by SMS or e-mail, bound to one purpose and target.
CREATE TABLE verifications (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    channel              text        NOT NULL CHECK (channel IN ('SMS', 'EMAIL')),
    purpose              text        NOT NULL CHECK (purpose IN ('SIGN_UP', 'FIND_LOGIN_ID', 'RESET_PASSWORD', 'CHANGE_PHONE', 'CHANGE_EMAIL')),
    -- Normalised phone (E.164) or lower-cased e-mail address.
    target               text        NOT NULL,
    code_hash            bytea       NOT NULL,
    attempts             integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts         integer     NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    requester_address    text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    verified_at          timestamptz,
    -- Hash of the proof issued when the code was verified; the proof is usable once.
    proof_hash           bytea       UNIQUE,
    proof_expires_at     timestamptz,
    proof_used_at        timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX verifications_target_idx ON verifications (target, purpose, created_at DESC);
CREATE INDEX verifications_requester_idx ON verifications (requester_address, created_at DESC);

-- What the local development adapters would have sent (SMS, e-mail), so a developer can read codes.
CREATE TABLE dev_outbox_messages (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel              text        NOT NULL CHECK (channel IN ('SMS', 'EMAIL', 'PUSH')),
    recipient            text        NOT NULL,
    subject              text,
    body                 text        NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- A signed-in device. A session is also the family of its rotating refresh tokens.
CREATE TABLE sessions (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_used_at         timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    revoked_at           timestamptz,
    revoke_reason        text,
    user_agent           text,
    client_address       text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    -- SHA-256 of the opaque token; the token itself is never stored.
    token_hash           bytea       PRIMARY KEY,
    session_id           uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    -- Set when the token was exchanged for a new one; presenting it again revokes the session.
    rotated_at           timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Machine callers (robot bridge, camera workers, partners): a client id and a hashed secret.
CREATE TABLE service_clients (
    client_id            text        PRIMARY KEY CHECK (client_id ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    secret_hash          text        NOT NULL,
    scopes               text[]      NOT NULL DEFAULT '{}',
    description          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    disabled_at          timestamptz
);

CREATE TABLE driver_licenses (
    user_id              uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    holder_name          text        NOT NULL,
    birth_date           date        NOT NULL,
    -- Only a masked number is kept (e.g. 12-34-****90-12); the raw number is never stored or logged.
    number_masked        text        NOT NULL,
    result_code          text        NOT NULL,
    result               text        NOT NULL,
    meaning              text        NOT NULL,
    verified             boolean     NOT NULL,
    provider             text        NOT NULL,
    verified_at          timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Push-notification devices (FCM registration tokens).
CREATE TABLE devices (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fcm_token            text        NOT NULL UNIQUE CHECK (length(fcm_token) <= 4096),
    platform             text        NOT NULL DEFAULT 'ANDROID',
    app_version          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_seen_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_user_idx ON devices (user_id);

-- ---------------------------------------------------------------------------------------------
-- Cars (seed 000 Car_Info)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE cars (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL REFERENCES users (id),
    plate                text        NOT NULL CHECK (length(plate) <= 32),
    -- Canonical Korean plate (e.g. 서울12가3456 or 123가4567): what uniqueness and matching use.
    plate_normalized     text        NOT NULL CHECK (length(plate_normalized) <= 16),
    model                text        CHECK (length(model) <= 100),
    manufacturer         text        CHECK (length(manufacturer) <= 100),
    connector_type       text,
    battery_capacity_kwh numeric(6, 2) CHECK (battery_capacity_kwh > 0),
    nickname             text        CHECK (length(nickname) <= 50),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz
);
CREATE UNIQUE INDEX cars_plate_active_key ON cars (plate_normalized) WHERE deleted_at IS NULL;
CREATE INDEX cars_user_idx ON cars (user_id) WHERE deleted_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Parking lots and spots (seed 000 Parking_Area_Info, Parking_Coordinate_Info; seed 003 sessions)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE parking_lots (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    display_name         text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    address              text        NOT NULL DEFAULT '' CHECK (length(address) <= 300),
    latitude             double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude            double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    image_uri            text        NOT NULL DEFAULT '' CHECK (length(image_uri) <= 2048),
    time_zone            text        NOT NULL DEFAULT 'Asia/Seoul',
    open                 boolean     NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- Nearest-first search: a GiST index on the lot's point on the earth cube serves both the radius
-- filter (earth_box @>) and KNN ordering (<->), which is monotonic in great-circle distance.
CREATE INDEX parking_lots_earth_idx ON parking_lots USING gist (ll_to_earth(latitude, longitude)) WHERE open;

-- Opening hours per ISO weekday (1 = Monday .. 7 = Sunday), minutes after local midnight.
CREATE TABLE parking_lot_hours (
    lot_id               uuid        NOT NULL REFERENCES parking_lots (id) ON DELETE CASCADE,
    day_of_week          smallint    NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
    open_minute          smallint    NOT NULL CHECK (open_minute BETWEEN 0 AND 1439),
    close_minute         smallint    NOT NULL CHECK (close_minute BETWEEN 1 AND 1440),
    PRIMARY KEY (lot_id, day_of_week),
    CHECK (close_minute > open_minute)
);

CREATE TABLE spots (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    lot_id               uuid        NOT NULL REFERENCES parking_lots (id),
    floor                text        NOT NULL CHECK (length(floor) BETWEEN 1 AND 10),
    code                 text        NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    x_meters             double precision NOT NULL DEFAULT 0,
    y_meters             double precision NOT NULL DEFAULT 0,
    enabled              boolean     NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz
);
CREATE UNIQUE INDEX spots_lot_code_key ON spots (lot_id, code) WHERE deleted_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Robots (seed 000 Robot_Info)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE robots (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The id used in MQTT topics: chargebot/v1/robots/{robot_key}/...
    robot_key            text        NOT NULL UNIQUE CHECK (robot_key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    lot_id               uuid        NOT NULL REFERENCES parking_lots (id),
    display_name         text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    serial_number        text        UNIQUE CHECK (length(serial_number) <= 64),
    state                text        NOT NULL DEFAULT 'OFFLINE'
                                     CHECK (state IN ('IDLE', 'DISPATCHED', 'MOVING', 'CHARGING', 'RETURNING', 'ERROR', 'OFFLINE')),
    online               boolean     NOT NULL DEFAULT false,
    battery_percent      real        CHECK (battery_percent BETWEEN 0 AND 100),
    latitude             double precision,
    longitude            double precision,
    floor                text,
    x_meters             double precision,
    y_meters             double precision,
    base_floor           text,
    base_x_meters        double precision,
    base_y_meters        double precision,
    current_reservation_id uuid,
    -- Highest telemetry sequence stored for this robot.
    last_sequence        bigint      NOT NULL DEFAULT 0,
    last_seen_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX robots_lot_idx ON robots (lot_id);

-- ---------------------------------------------------------------------------------------------
-- Reservations (seed 000 Working_Schedule, seed 003 Reservation)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE reservations (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL REFERENCES users (id),
    car_id               uuid        NOT NULL REFERENCES cars (id),
    spot_id              uuid        NOT NULL REFERENCES spots (id),
    lot_id               uuid        NOT NULL REFERENCES parking_lots (id),
    -- Normalised plate of the car when booked (plate matching uses it).
    plate_normalized     text        NOT NULL,
    -- [start, end) in UTC.
    period               tstzrange   NOT NULL CHECK (NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)
                                                     AND NOT lower_inf(period) AND NOT upper_inf(period)),
    status               text        NOT NULL DEFAULT 'CONFIRMED'
                                     CHECK (status IN ('CONFIRMED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'NO_SHOW', 'FAILED')),
    -- Client-supplied idempotency key: a retried create returns the first result.
    request_id           text        CHECK (length(request_id) <= 64),
    robot_id             uuid        REFERENCES robots (id),
    -- Seed 000 Is_Finished: charging done and the robot released.
    finished             boolean     NOT NULL DEFAULT false,
    arrived_at           timestamptz,
    charging_started_at  timestamptz,
    charging_finished_at timestamptz,
    cancel_reason        text        CHECK (length(cancel_reason) <= 500),
    cancelled_by         uuid,
    failure_reason       text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- No two active reservations of one spot overlap ...
    CONSTRAINT reservations_spot_no_overlap EXCLUDE USING gist (spot_id WITH =, period WITH &&)
        WHERE (status IN ('CONFIRMED', 'IN_PROGRESS')),
    -- ... and no car is booked twice at once (the seed's plate rule).
    CONSTRAINT reservations_car_no_overlap EXCLUDE USING gist (car_id WITH =, period WITH &&)
        WHERE (status IN ('CONFIRMED', 'IN_PROGRESS'))
);
CREATE UNIQUE INDEX reservations_request_key ON reservations (user_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX reservations_user_idx ON reservations (user_id, lower(period) DESC);
CREATE INDEX reservations_lot_period_idx ON reservations USING gist (lot_id, period);
-- Dispatch: the earliest due unfinished reservation of a lot.
CREATE INDEX reservations_dispatch_idx ON reservations (lot_id, lower(period))
    WHERE NOT finished AND status IN ('CONFIRMED', 'IN_PROGRESS') AND robot_id IS NULL;
CREATE INDEX reservations_plate_idx ON reservations (plate_normalized, lower(period));

ALTER TABLE robots ADD CONSTRAINT robots_current_reservation_fk
    FOREIGN KEY (current_reservation_id) REFERENCES reservations (id);

-- Commands sent to robots through the bridge; closed by the robot's acknowledgement.
CREATE TABLE robot_commands (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    robot_id             uuid        NOT NULL REFERENCES robots (id),
    reservation_id       uuid        REFERENCES reservations (id),
    kind                 text        NOT NULL CHECK (kind IN ('GO_TO_SPOT', 'CANCEL', 'RETURN_TO_BASE')),
    payload              jsonb       NOT NULL DEFAULT '{}',
    status               text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'ACKNOWLEDGED', 'EXPIRED', 'FAILED')),
    attempts             integer     NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz,
    acknowledged_at      timestamptz,
    expires_at           timestamptz NOT NULL
);
CREATE INDEX robot_commands_open_idx ON robot_commands (robot_id, created_at) WHERE status IN ('PENDING', 'SENT');

-- Telemetry, events and connection changes as history, partitioned by the robot's timestamp so old
-- days are dropped cheaply. A redelivered message has the same (robot, recorded_at, sequence).
CREATE TABLE robot_logs (
    robot_id             uuid        NOT NULL,
    recorded_at          timestamptz NOT NULL,
    sequence             bigint      NOT NULL CHECK (sequence >= 0),
    kind                 text        NOT NULL CHECK (kind IN ('TELEMETRY', 'EVENT', 'CONNECTION')),
    received_at          timestamptz NOT NULL DEFAULT now(),
    state                text,
    battery_percent      real,
    latitude             double precision,
    longitude            double precision,
    floor                text,
    x_meters             double precision,
    y_meters             double precision,
    event_type           text,
    reservation_id       uuid,
    payload              jsonb,
    PRIMARY KEY (robot_id, recorded_at, sequence)
) PARTITION BY RANGE (recorded_at);
CREATE TABLE robot_logs_default PARTITION OF robot_logs DEFAULT;

-- Bridge input that could not be parsed or was refused, kept for inspection.
CREATE TABLE robot_rejected_messages (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic                text        NOT NULL,
    reason               text        NOT NULL,
    payload              bytea,
    received_at          timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Notifications (transactional outbox) and audit
-- ---------------------------------------------------------------------------------------------

CREATE TABLE notification_outbox (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        REFERENCES users (id) ON DELETE CASCADE,
    type                 text        NOT NULL,
    -- Resource the notification is about, e.g. reservations/{id}.
    resource_name        text,
    title                text        NOT NULL,
    body                 text        NOT NULL,
    data                 jsonb       NOT NULL DEFAULT '{}',
    status               text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'SKIPPED')),
    attempts             integer     NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    last_error           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notification_outbox_user_idx ON notification_outbox (user_id, created_at DESC);

CREATE TABLE audit_log (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at          timestamptz NOT NULL DEFAULT now(),
    -- Pseudonymous actor: a user or service id; no foreign key so entries outlive the account.
    actor                text,
    actor_role           text,
    action               text        NOT NULL,
    resource_name        text,
    reason               text,
    details              jsonb       NOT NULL DEFAULT '{}',
    client_address       text,
    correlation_id       text
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_name, occurred_at DESC);
