package io.chargebot.server.notification;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.Db;
import io.chargebot.user.v1.NotificationType;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled notifications: a RESERVATION_REMINDER {@code reminder-lead-time} before a confirmed
 * reservation starts (not for one booked inside that lead time), and a RESERVATION_NO_SHOW once a
 * reservation's window has passed without the car arriving ({@code reservation_status()} is
 * NO_SHOW; windows that ended more than a day ago are left alone). Safe on any number of replicas
 * at once: each reservation's row has the key {@code TYPE:reservations/{id}}, so a second run — here
 * or elsewhere — inserts nothing.
 */
@Singleton
public final class ReservationReminders {

    /** No-shows older than this are not announced (e.g. when the job first runs on old data). */
    static final Duration NO_SHOW_LOOKBACK = Duration.ofDays(1);
    private static final Logger logger = LoggerFactory.getLogger(ReservationReminders.class);

    private final Db db;
    private final Notifications notifications;
    private final NotificationSettings settings;

    public ReservationReminders(Db db, Notifications notifications, NotificationSettings settings) {
        this.db = requireNonNull(db, "db");
        this.notifications = requireNonNull(notifications, "notifications");
        this.settings = requireNonNull(settings, "settings");
    }

    /** Enqueues the reminders and no-shows due at {@code when}; returns how many rows were inserted. */
    public int run(Instant when) {
        Instant now = when.truncatedTo(ChronoUnit.MICROS);
        Timestamp at = Timestamp.from(now);
        String reminders = notifications.insertForReservations(NotificationType.NOTIFICATION_TYPE_RESERVATION_REMINDER,
                "(SELECT " + Notifications.RESERVATION_COLUMNS + " FROM reservations WHERE status = 'CONFIRMED' "
                + "AND lower(period) > ? AND lower(period) <= ? AND created_at <= lower(period) - ?::interval)");
        String noShows = notifications.insertForReservations(NotificationType.NOTIFICATION_TYPE_RESERVATION_NO_SHOW,
                "(SELECT " + Notifications.RESERVATION_COLUMNS + " FROM reservations WHERE status = 'CONFIRMED' "
                + "AND upper(period) <= ? AND upper(period) > ? AND reservation_status(status, period, ?) = 'NO_SHOW')");
        int inserted = db.transaction(connection -> {
            int count;
            try (PreparedStatement ps = Db.prepare(connection, reminders)) {
                ps.setTimestamp(1, at);
                ps.setTimestamp(2, at);
                ps.setTimestamp(3, Timestamp.from(now.plus(settings.reminderLeadTime)));
                ps.setString(4, settings.reminderLeadTime.toSeconds() + " seconds");
                count = ps.executeUpdate();
            }
            try (PreparedStatement ps = Db.prepare(connection, noShows)) {
                ps.setTimestamp(1, at);
                ps.setTimestamp(2, at);
                ps.setTimestamp(3, Timestamp.from(now.minus(NO_SHOW_LOOKBACK)));
                ps.setTimestamp(4, at);
                count += ps.executeUpdate();
            }
            return count;
        });
        if (inserted > 0) {
            logger.debug("Enqueued {} reservation reminders and no-show notices", inserted);
        }
        return inserted;
    }
}
