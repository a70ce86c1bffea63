-- Push notifications (issue 6): idempotent outbox rows, leases for the dispatcher, per-device
-- delivery records, the one text renderer, a wake-up NOTIFY, and indexes for the reminder job.

ALTER TABLE notification_outbox
    -- One row per event: "<TYPE>:<resource>[:<discriminator>]". Re-running an event (transaction
    -- retries, scheduler ticks on several replicas) hits this key and inserts nothing.
    ADD COLUMN idempotency_key   text    NOT NULL DEFAULT gen_random_uuid()::text CHECK (length(idempotency_key) <= 300),
    -- Language the title and body were rendered in.
    ADD COLUMN language          text    NOT NULL DEFAULT 'ko' CHECK (language IN ('ko', 'en')),
    -- FCM tokens captured when the event happened, for events whose devices are removed in the same
    -- transaction (ACCOUNT_DELETED); NULL means "the user's devices when it is sent".
    ADD COLUMN tokens            text[],
    -- The dispatcher's lease: set when a replica claims the row (next_attempt_at then holds the lease
    -- expiry); results are written only by the holder of this token, which clears it.
    ADD COLUMN claim_token       uuid,
    -- The replica that claimed the row last (kept after the attempt, for operators).
    ADD COLUMN claimed_by        text    CHECK (length(claimed_by) <= 200),
    -- Devices that accepted the notification (rows in notification_deliveries).
    ADD COLUMN delivered_devices integer NOT NULL DEFAULT 0 CHECK (delivered_devices >= 0);
-- Existing rows got a random key above; from now on every writer must name one.
ALTER TABLE notification_outbox ALTER COLUMN idempotency_key DROP DEFAULT;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_idempotency_key UNIQUE (idempotency_key);
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_title_length CHECK (length(title) <= 100);
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_body_length CHECK (length(body) <= 1000);

-- Each device (by token) a notification was accepted for, so a retry never sends to it again.
CREATE TABLE notification_deliveries (
    notification_id      uuid        NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    -- sha256 of the FCM token: tokens can be 4 KB, too long for a btree key, and need not be kept twice.
    token_hash           bytea       NOT NULL,
    -- FCM's message id, e.g. projects/p/messages/0:1500415314455276%31bd1c96f9fd7ecd.
    message_id           text,
    delivered_at         timestamptz NOT NULL,
    PRIMARY KEY (notification_id, token_hash)
);

-- Fills {placeholders} of a catalogue template with the values of args; unknown ones stay as they are.
CREATE FUNCTION notification_render(template text, args jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    result text := template;
    item record;
BEGIN
    FOR item IN SELECT key, value FROM jsonb_each_text(coalesce(args, '{}'::jsonb)) LOOP
        result := replace(result, '{' || item.key || '}', coalesce(item.value, ''));
    END LOOP;
    RETURN result;
END
$$;

-- Wakes the dispatchers of every replica when rows to send were committed (one NOTIFY per statement).
CREATE FUNCTION notification_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE status = 'PENDING') THEN
        PERFORM pg_notify('chargebot_notifications', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_outbox_notify AFTER INSERT ON notification_outbox
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_notify();

-- The reminder and no-show job: confirmed reservations by start and by end.
CREATE INDEX reservations_confirmed_start_idx ON reservations (lower(period)) WHERE status = 'CONFIRMED';
CREATE INDEX reservations_confirmed_end_idx ON reservations (upper(period)) WHERE status = 'CONFIRMED';
