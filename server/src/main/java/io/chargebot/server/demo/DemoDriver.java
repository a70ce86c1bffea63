package io.chargebot.server.demo;

import io.chargebot.server.auth.Passwords;
import io.chargebot.server.auth.Role;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.db.Db;
import io.chargebot.server.notification.Notifications;
import io.chargebot.server.parking.DemoData;
import io.chargebot.server.reservation.BookingWindow;
import io.chargebot.server.user.Users;
import io.chargebot.user.v1.NotificationType;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A demo driver for the local platform, next to the demo lots: account {@code driver} with the
 * password {@code chargebot.demo-driver.password} or else a random one printed once, a car ({@value #PLATE}), three
 * 30-minute reservations at three demo lots, and a demo phone ({@value #DEVICE_TOKEN}) that receives the driver's push
 * notifications (with the local adapter: rows of dev_outbox_messages, channel PUSH, and DEV-PUSH log lines). The first
 * reservation is at the lot open around the clock ({@link DemoData#AROUND_THE_CLOCK}) and under way now, so that lot's
 * simulated robot is dispatched as soon as it reports, at any hour; the other two are upcoming, an hour apart within
 * business hours, from the first half hour at least 20 minutes ahead (beyond the dispatch lead time, 15 minutes by
 * default). Each of these lots gets an enabled robot ({@code demo-robot-01}..). Runs only with
 * {@code chargebot.demo-data.enabled} (never in production), and only once per database.
 */
@Singleton
@Requires(property = "chargebot.demo-data.enabled", value = "true")
final class DemoDriver {

    static final String LOGIN_ID = "driver";
    static final String PLATE = "12가3456";
    static final String DEVICE_TOKEN = "demo-device-fcm-token";
    private static final Logger logger = LoggerFactory.getLogger(DemoDriver.class);
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");

    private final Db db;
    private final DemoData lots;
    private final Users users;
    private final Passwords passwords;
    private final RuntimeProfile profile;
    private final Clock clock;
    private final Notifications notifications;
    @Nullable
    private final String password;

    DemoDriver(Db db, DemoData lots, Users users, Passwords passwords, RuntimeProfile profile, Clock clock,
               Notifications notifications, @Nullable @Value("${chargebot.demo-driver.password:}") String password) {
        this.password = password == null || password.isEmpty() ? null : password;
        this.db = db;
        this.lots = lots;
        this.users = users;
        this.passwords = passwords;
        this.profile = profile;
        this.clock = clock;
        this.notifications = notifications;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (profile.production()) {
            throw new ConfigurationException("demo data is for local development; unset chargebot.demo-data.enabled");
        }
        lots.load();
        String chosen = password != null ? password : passwords.generate();
        String hash = passwords.hash(chosen);
        List<Instant> starts = db.transaction(connection -> create(connection, hash));
        if (!starts.isEmpty()) {
            logger.info("Demo driver: login id '{}', password '{}', car {} with reservations from {} (Asia/Seoul; a robot is "
                            + "dispatched 15 minutes before each, with the default dispatch lead time)",
                    LOGIN_ID, password != null ? "(as configured)" : chosen, PLATE,
                    starts.stream().map(start -> start.atZone(SEOUL).toLocalDateTime().toString()).toList());
        }
    }

    /** Creates the driver, its car and reservations unless the driver exists; returns the reservation starts. */
    private List<Instant> create(Connection connection, String hash) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM users WHERE lower(login_id) = ? FOR UPDATE")) {
            ps.setString(1, LOGIN_ID);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return List.of();
                }
            }
        }
        UUID user = users.insert(connection, new Users.NewAccount(LOGIN_ID, "데모 운전자", null, null, Role.USER, "HOME",
                null, null, "ko", hash));
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO devices (user_id, fcm_token, platform, app_version, device_model) "
                + "VALUES (?, ?, 'ANDROID', 'demo', 'demo phone') ON CONFLICT (fcm_token) DO UPDATE SET user_id = excluded.user_id")) {
            ps.setObject(1, user);
            ps.setString(2, DEVICE_TOKEN);
            ps.executeUpdate();
        }
        notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_CREATED, user);
        UUID car;
        try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO cars (user_id, plate, plate_normalized, model, "
                + "manufacturer, connector_type, battery_capacity_kwh, nickname) VALUES (?, ?, ?, 'IONIQ 5', 'Hyundai', "
                + "'DC_COMBO1', 77.4, '데모 차량') RETURNING id")) {
            ps.setObject(1, user);
            ps.setString(2, PLATE);
            ps.setString(3, PLATE);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                car = rs.getObject(1, UUID.class);
            }
        }
        notifications.car(connection, NotificationType.NOTIFICATION_TYPE_CAR_ADDED, car);
        List<Instant> starts = new ArrayList<>();
        List<UUID> lotsWithReservations = new ArrayList<>();
        Instant first = firstStart();
        // The lot open around the clock first: its reservation is the one under way.
        try (PreparedStatement spots = Db.prepare(connection, "SELECT s.id, s.lot_id FROM spots s JOIN parking_lots l "
                + "ON l.id = s.lot_id WHERE s.deleted_at IS NULL AND s.enabled AND l.open ORDER BY l.id = ? DESC, "
                + "l.created_at, l.id, s.floor, s.code");
             PreparedStatement insert = Db.prepare(connection, "INSERT INTO reservations (user_id, car_id, spot_id, lot_id, "
                     + "plate_normalized, period) VALUES (?, ?, ?, ?, ?, tstzrange(?, ?))")) {
            List<UUID[]> candidates = new ArrayList<>();
            spots.setObject(1, DemoData.AROUND_THE_CLOCK);
            try (ResultSet rs = spots.executeQuery()) {
                UUID lastLot = null;
                while (rs.next() && candidates.size() < 3) {
                    UUID lot = rs.getObject(2, UUID.class);
                    if (!lot.equals(lastLot)) {
                        candidates.add(new UUID[] {rs.getObject(1, UUID.class), lot});
                        lastLot = lot;
                    }
                }
            }
            boolean underWay = !candidates.isEmpty() && candidates.get(0)[1].equals(DemoData.AROUND_THE_CLOCK);
            for (int i = 0; i < candidates.size(); i++) {
                lotsWithReservations.add(candidates.get(i)[1]);
                // Under way at the lot open around the clock, the others hourly from the first upcoming start.
                Instant start = underWay ? (i == 0 ? halfHourUnderWay() : first.plus(Duration.ofHours(i - 1)))
                        : first.plus(Duration.ofHours(i));
                insert.setObject(1, user);
                insert.setObject(2, car);
                insert.setObject(3, candidates.get(i)[0]);
                insert.setObject(4, candidates.get(i)[1]);
                insert.setString(5, PLATE);
                insert.setTimestamp(6, Timestamp.from(start));
                insert.setTimestamp(7, Timestamp.from(start.plus(Duration.ofMinutes(BookingWindow.SLOT_MINUTES))));
                insert.addBatch();
                starts.add(start);
            }
            insert.executeBatch();
        }
        try (PreparedStatement ps = Db.prepare(connection, notifications.insertForReservations(
                NotificationType.NOTIFICATION_TYPE_RESERVATION_CREATED,
                "(SELECT " + Notifications.RESERVATION_COLUMNS + " FROM reservations WHERE user_id = ?)"))) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setObject(2, user);
            ps.executeUpdate();
        }
        // Enabled (the column defaults to false): the simulated robots are dispatched to these reservations.
        try (PreparedStatement robot = Db.prepare(connection, "INSERT INTO robots (robot_key, lot_id, display_name, "
                + "serial_number, base_floor, base_x_meters, base_y_meters, enabled) VALUES (?, ?, ?, ?, 'B1', 0, 0, true) "
                + "ON CONFLICT (robot_key) DO NOTHING")) {
            for (int i = 0; i < lotsWithReservations.size(); i++) {
                robot.setString(1, String.format("demo-robot-%02d", i + 1));
                robot.setObject(2, lotsWithReservations.get(i));
                robot.setString(3, "데모 로봇 " + (i + 1));
                robot.setString(4, String.format("DEMO-%04d", i + 1));
                robot.addBatch();
            }
            robot.executeBatch();
        }
        return starts;
    }

    /**
     * The half hour under way in Seoul, or the next one when less than 10 minutes of it are left: a window due at once
     * (it starts within the dispatch lead time, 15 minutes by default).
     */
    private Instant halfHourUnderWay() {
        ZonedDateTime now = clock.instant().atZone(SEOUL);
        ZonedDateTime current = now.truncatedTo(ChronoUnit.HOURS).plusMinutes(now.getMinute() < 30 ? 0 : 30);
        return (now.getMinute() % 30 >= 20 ? current.plusMinutes(30) : current).toInstant();
    }

    /**
     * The first half hour in Seoul at least 20 minutes ahead (so no robot is dispatched to it yet) from which three hourly
     * windows fit in 09:00–22:00, today or tomorrow.
     */
    private Instant firstStart() {
        ZonedDateTime now = clock.instant().atZone(SEOUL);
        ZonedDateTime next = now.truncatedTo(ChronoUnit.HOURS).plusMinutes(now.getMinute() < 30 ? 30 : 60);
        if (Duration.between(now, next).toMinutes() < 20) {
            next = next.plusMinutes(30);
        }
        if (next.getHour() < 9) {
            next = next.withHour(10).withMinute(0);
        } else if (next.getHour() * 60 + next.getMinute() > 19 * 60) {
            next = next.plusDays(1).withHour(10).withMinute(0);
        }
        return next.toInstant();
    }
}
