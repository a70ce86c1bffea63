package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.reservation.Drivers.booking;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.db.Db;
import io.chargebot.server.notification.NotificationSettings;
import io.chargebot.server.notification.Notifications;
import io.chargebot.server.notification.ReservationReminders;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.user.v1.NotificationType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reservation notifications: cancellations in the cancel's transaction, the reminder and no-show
 * job (idempotent however often and wherever it runs), and the statement a batched booking uses.
 */
class ReservationNotificationsTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        properties.put("chargebot.notifications.dispatcher-enabled", false);
        t = new AuthTestClient(properties);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static LocalDate inDays(int days) {
        return t.clock.instant().atZone(SEOUL).toLocalDate().plusDays(days);
    }

    /** Type and body of each notification about {@code resource}, oldest first. */
    private static List<String[]> about(String resource) {
        try (Connection c = TestDatabases.connect(t.database);
             PreparedStatement ps = c.prepareStatement("SELECT type, body, data->>'reservation_id' FROM notification_outbox "
                     + "WHERE resource_name = ? ORDER BY created_at, id")) {
            ps.setString(1, resource);
            List<String[]> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> types(String resource) {
        return about(resource).stream().map(row -> row[0]).toList();
    }

    @Test
    void cancellationsByTheDriverAndByAnAdminAreAnnounced() {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        Reservation mine = driver.reservations().createReservation(booking(car, lot.spot(0), inDays(3), 600, 660).build());
        driver.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(mine.getName()).build());
        // A retried cancel adds nothing.
        driver.reservations().cancelReservation(CancelReservationRequest.newBuilder().setName(mine.getName()).build());
        assertThat(types(mine.getName())).containsExactly("RESERVATION_CANCELLED");
        assertThat(about(mine.getName()).get(0)[1]).contains("Test lot Asia/Seoul").contains("10:00");
        assertThat(about(mine.getName()).get(0)[2]).isEqualTo(mine.getName().substring("reservations/".length()));

        Reservation other = driver.reservations().createReservation(booking(car, lot.spot(1), inDays(3), 720, 780).build());
        ReservationServiceGrpc.ReservationServiceBlockingStub admin = withToken(ReservationServiceGrpc.newBlockingStub(t.channel),
                t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
        admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder().setName(other.getName())
                .setReason("충전기 점검").build());
        assertThat(types(other.getName())).containsExactly("RESERVATION_FORCE_CANCELLED");
        assertThat(about(other.getName()).get(0)[1]).endsWith("사유: 충전기 점검");
    }

    @Test
    void remindersAndNoShowsAreEnqueuedOnceHoweverOftenAndWhereverTheJobRuns() throws Exception {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 2);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        LocalDate day = inDays(2);
        Reservation booked = driver.reservations().createReservation(booking(car, lot.spot(0), day, 14 * 60, 15 * 60).build());
        Instant start = day.atTime(14, 0).atZone(SEOUL).toInstant();
        Db db = t.server.context().getBean(Db.class);
        Notifications notifications = t.server.context().getBean(Notifications.class);
        NotificationSettings settings = t.server.context().getBean(NotificationSettings.class);
        ReservationReminders one = t.server.context().getBean(ReservationReminders.class);
        ReservationReminders another = new ReservationReminders(db, notifications, settings); // another replica

        one.run(start.minus(Duration.ofHours(2)));
        assertThat(types(booked.getName())).as("not yet").isEmpty();

        Instant reminderTime = start.minus(Duration.ofMinutes(20));
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> one.run(reminderTime));
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> another.run(reminderTime));
        assertThat(first.get() + second.get()).isEqualTo(1);
        one.run(reminderTime.plusSeconds(60));
        assertThat(types(booked.getName())).containsExactly("RESERVATION_REMINDER");
        assertThat(about(booked.getName()).get(0)[1]).contains("14:00");

        Instant afterWindow = start.plus(Duration.ofMinutes(61));
        one.run(afterWindow);
        another.run(afterWindow);
        one.run(afterWindow.plusSeconds(60));
        assertThat(types(booked.getName())).containsExactly("RESERVATION_REMINDER", "RESERVATION_NO_SHOW");
    }

    @Test
    void aBatchedBookingEnqueuesItsCreatedNotificationsInTheSameStatement() throws Exception {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 3);
        Drivers.Driver driver = Drivers.signUp(t);
        UUID carId = UUID.fromString(driver.newCar().substring("cars/".length()));
        UUID userId;
        try (Connection c = TestDatabases.connect(t.database);
             PreparedStatement ps = c.prepareStatement("SELECT user_id FROM cars WHERE id = ?")) {
            ps.setObject(1, carId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                userId = rs.getObject(1, UUID.class);
            }
        }
        Notifications notifications = t.server.context().getBean(Notifications.class);
        Instant start = inDays(4).atTime(9, 0).atZone(SEOUL).toInstant();
        String sql = "WITH inserted_reservations AS (INSERT INTO reservations (user_id, car_id, spot_id, lot_id, "
                + "plate_normalized, period) SELECT ?, ?, s, ?, '12가3456', tstzrange(?::timestamptz + (n * interval '1 hour'), "
                + "?::timestamptz + ((n + 1) * interval '1 hour')) FROM unnest(?::uuid[]) WITH ORDINALITY AS x (s, n) "
                + "RETURNING " + Notifications.RESERVATION_COLUMNS + "), "
                + "notified AS (" + notifications.insertForReservations(NotificationType.NOTIFICATION_TYPE_RESERVATION_CREATED,
                        "inserted_reservations") + ") "
                + "SELECT 'reservations/' || id FROM inserted_reservations";
        List<String> names = new ArrayList<>();
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, userId);
            ps.setObject(2, carId);
            ps.setObject(3, lot.id());
            ps.setTimestamp(4, Timestamp.from(start));
            ps.setTimestamp(5, Timestamp.from(start));
            ps.setArray(6, c.createArrayOf("uuid", lot.spots().toArray()));
            ps.setTimestamp(7, Timestamp.from(t.clock.instant())); // the statement's one parameter: the event time
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        assertThat(names).hasSize(3);
        for (String name : names) {
            assertThat(types(name)).containsExactly("RESERVATION_CREATED");
            assertThat(about(name).get(0)[1]).contains("Test lot Asia/Seoul").contains("A0");
        }
        // Enqueuing again for the same reservations inserts nothing.
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(
                notifications.insertForReservations(NotificationType.NOTIFICATION_TYPE_RESERVATION_CREATED,
                        "(SELECT " + Notifications.RESERVATION_COLUMNS + " FROM reservations WHERE car_id = ?)"))) {
            ps.setTimestamp(1, Timestamp.from(t.clock.instant()));
            ps.setObject(2, carId);
            assertThat(ps.executeUpdate()).isZero();
        }
    }
}
