package io.chargebot.server.notification;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.Db;
import io.chargebot.user.v1.NotificationType;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * The transactional outbox writer: inserts the notification of a user event with the caller's
 * connection, so it commits or rolls back with the change it reports. Title and body come from
 * {@link NotificationCatalog} in the user's language; the data payload is {@code type},
 * {@code resource} and the ids an app routes on. A row is SKIPPED at once when the user turned the
 * type off (PASSWORD_CHANGED cannot be) or has no device; otherwise PENDING for the dispatcher.
 * Every row has an idempotency key ({@code TYPE:resource}, plus a discriminator for events that can
 * happen more than once), so running an event again inserts nothing. Erased accounts get nothing.
 */
@Singleton
public final class Notifications {

    /** Columns a reservation source must provide under the alias {@code r}: the reservations table or a CTE over it. */
    public static final String RESERVATION_COLUMNS = "id, user_id, lot_id, spot_id, period";

    private final NotificationSettings settings;
    private final Clock clock;

    public Notifications(NotificationSettings settings, Clock clock) {
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * An account event (ACCOUNT_CREATED, ACCOUNT_UPDATED, ACCOUNT_DELETED, PASSWORD_CHANGED) of
     * {@code userId}. ACCOUNT_DELETED captures the account's FCM tokens now, so call it before the
     * devices are removed: it is still delivered to them afterwards.
     *
     * @return whether a row was inserted (false: already there, or the account is erased)
     */
    public boolean account(Connection connection, NotificationType type, UUID userId) throws SQLException {
        boolean once = type == NotificationType.NOTIFICATION_TYPE_ACCOUNT_CREATED
                || type == NotificationType.NOTIFICATION_TYPE_ACCOUNT_DELETED;
        String event = "SELECT " + key(type, "'users/' || x.id", once ? null : TRANSACTION) + " AS key, x.id AS user_id, "
                + "'users/' || x.id AS resource, '{}'::jsonb AS args, jsonb_build_object('user_id', x.id::text) AS data, "
                + (type == NotificationType.NOTIFICATION_TYPE_ACCOUNT_DELETED
                        ? "ARRAY(SELECT d.fcm_token FROM devices d WHERE d.user_id = x.id ORDER BY d.created_at)"
                        : "NULL::text[]")
                + " AS tokens FROM users x WHERE x.id = ?";
        try (PreparedStatement ps = Db.prepare(connection, insert(type, event))) {
            ps.setTimestamp(1, now());
            ps.setObject(2, userId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * A car event (CAR_ADDED, CAR_UPDATED, CAR_REMOVED) of {@code carId}, to its owner.
     *
     * @return whether a row was inserted
     */
    public boolean car(Connection connection, NotificationType type, UUID carId) throws SQLException {
        boolean once = type != NotificationType.NOTIFICATION_TYPE_CAR_UPDATED;
        String event = "SELECT " + key(type, "'cars/' || c.id", once ? null : TRANSACTION) + " AS key, c.user_id, "
                + "'cars/' || c.id AS resource, jsonb_build_object('plate', c.plate) AS args, "
                + "jsonb_build_object('car_id', c.id::text) AS data, NULL::text[] AS tokens FROM cars c WHERE c.id = ?";
        try (PreparedStatement ps = Db.prepare(connection, insert(type, event))) {
            ps.setTimestamp(1, now());
            ps.setObject(2, carId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * A reservation event of {@code reservationId}, to its driver.
     *
     * @param discriminator null for events that happen once per reservation (its key is
     *                      {@code TYPE:reservations/{id}}); otherwise what tells two occurrences
     *                      apart, e.g. a robot command id
     * @param args          extra template values, e.g. {@code reason}, {@code kwh}
     * @return whether a row was inserted
     */
    public boolean reservation(Connection connection, NotificationType type, UUID reservationId,
                               @Nullable String discriminator, Map<String, String> args) throws SQLException {
        String sql = insertForReservations(type, "(SELECT " + RESERVATION_COLUMNS + " FROM reservations WHERE id = ?)",
                discriminator == null ? null : "?", "?::jsonb");
        try (PreparedStatement ps = Db.prepare(connection, sql)) {
            ps.setTimestamp(1, now());
            int i = 2;
            if (discriminator != null) {
                ps.setString(i++, discriminator);
            }
            ps.setString(i++, Db.jsonObject(args));
            ps.setObject(i, reservationId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * The statement that enqueues {@code type} for every reservation of {@code source} — a table
     * expression with {@link #RESERVATION_COLUMNS}, e.g. a data-modifying CTE of a batched booking:
     * <pre>{@code
     * WITH inserted_reservations AS (INSERT INTO reservations (...) VALUES ... RETURNING id, user_id, lot_id, spot_id, period)
     * <this statement with source "inserted_reservations">
     * }</pre>
     * Its one parameter, after those of the CTE, is the event time (the server clock's now, a
     * timestamptz); it inserts one row per reservation (ON CONFLICT of the idempotency key
     * {@code TYPE:reservations/{id}}: nothing) and returns no rows.
     */
    public String insertForReservations(NotificationType type, String source) {
        return insertForReservations(type, source, null, "'{}'::jsonb");
    }

    /** Key and rows of reservation events; {@code discriminatorSql} and {@code argsSql} are SQL expressions. */
    String insertForReservations(NotificationType type, String source, @Nullable String discriminatorSql, String argsSql) {
        String event = "SELECT " + key(type, "'reservations/' || r.id", discriminatorSql) + " AS key, r.user_id, "
                + "'reservations/' || r.id AS resource, "
                + "jsonb_build_object('lot', l.display_name, 'spot', s.code, "
                + "'start', to_char(lower(r.period) AT TIME ZONE l.time_zone, 'MM-DD HH24:MI'), "
                + "'end', to_char(upper(r.period) AT TIME ZONE l.time_zone, 'HH24:MI')) || " + argsSql + " AS args, "
                + "jsonb_build_object('reservation_id', r.id::text, 'lot_id', r.lot_id::text) AS data, NULL::text[] AS tokens "
                + "FROM " + source + " r JOIN parking_lots l ON l.id = r.lot_id JOIN spots s ON s.id = r.spot_id";
        return insert(type, event);
    }

    /** A discriminator unique to the writing transaction: the event happens once per transaction. */
    private static final String TRANSACTION = "'tx' || pg_current_xact_id()::text";

    private static String key(NotificationType type, String resourceSql, @Nullable String discriminatorSql) {
        String key = literal(NotificationCatalog.stored(type) + ":") + " || " + resourceSql;
        return discriminatorSql == null ? key : key + " || ':' || " + discriminatorSql;
    }

    /**
     * INSERT ... SELECT over {@code event} (columns key, user_id, resource, args, data, tokens): renders
     * the catalogue's texts in the user's language and decides PENDING or SKIPPED. Its first
     * parameter is the event time; {@code event}'s parameters follow.
     */
    private String insert(NotificationType type, String event) {
        String stored = NotificationCatalog.stored(type);
        NotificationCatalog.Text ko = NotificationCatalog.text(type, "ko");
        NotificationCatalog.Text en = NotificationCatalog.text(type, "en");
        String args = "(jsonb_build_object('name', u.display_name) || e.args)";
        boolean mayBeTurnedOff = type != NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED;
        String turnedOff = mayBeTurnedOff ? literal(stored) + " = ANY (u.notifications_off)" : "false";
        String noDevice = "(CASE WHEN e.tokens IS NULL THEN NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id) "
                + "ELSE cardinality(e.tokens) = 0 END)";
        return "INSERT INTO notification_outbox (idempotency_key, user_id, type, resource_name, language, title, body, "
                + "data, tokens, status, last_error, next_attempt_at, expires_at) "
                + "SELECT e.key, u.id, " + literal(stored) + ", e.resource, u.language, "
                + "left(notification_render(CASE WHEN u.language = 'en' THEN " + literal(en.title()) + " ELSE "
                + literal(ko.title()) + " END, " + args + "), 100), "
                + "left(notification_render(CASE WHEN u.language = 'en' THEN " + literal(en.body()) + " ELSE "
                + literal(ko.body()) + " END, " + args + "), 1000), "
                + "jsonb_build_object('type', " + literal(stored) + ", 'resource', e.resource) || e.data, e.tokens, "
                + "CASE WHEN f.turned_off OR f.no_device THEN 'SKIPPED' ELSE 'PENDING' END, "
                + "CASE WHEN f.turned_off THEN 'TURNED_OFF' WHEN f.no_device THEN 'NO_DEVICE' END, "
                + "t.at, t.at + make_interval(secs => " + settings.maxAge.toSeconds() + ") "
                + "FROM (SELECT CAST(? AS timestamptz) AS at) t CROSS JOIN (" + event + ") e "
                + "JOIN users u ON u.id = e.user_id "
                // Each check once per row (OFFSET 0 keeps the planner from inlining them into both CASEs).
                + "CROSS JOIN LATERAL (SELECT " + turnedOff + " AS turned_off, " + noDevice + " AS no_device OFFSET 0) f "
                + "WHERE u.deleted_at IS NULL "
                + "ON CONFLICT (idempotency_key) DO NOTHING";
    }

    /** The event time, at PostgreSQL's precision (a rounded-up instant would not be due yet). */
    private Timestamp now() {
        return Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    /** A SQL string literal of a catalogue constant. */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
