package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.withToken;
import static io.chargebot.server.reservation.Drivers.booking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        assertThat(types(mine.getName())).containsExactly("RESERVATION_CREATED", "RESERVATION_CANCELLED");
        assertThat(about(mine.getName()).get(1)[1]).contains("Test lot Asia/Seoul").contains("10:00");
        assertThat(about(mine.getName()).get(1)[2]).isEqualTo(mine.getName().substring("reservations/".length()));

        Reservation other = driver.reservations().createReservation(booking(car, lot.spot(1), inDays(3), 720, 780).build());
        ReservationServiceGrpc.ReservationServiceBlockingStub admin = withToken(ReservationServiceGrpc.newBlockingStub(t.channel),
                t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
        admin.adminCancelReservation(AdminCancelReservationRequest.newBuilder().setName(other.getName())
                .setReason("충전기 점검").build());
        assertThat(types(other.getName())).containsExactly("RESERVATION_CREATED", "RESERVATION_FORCE_CANCELLED");
        assertThat(about(other.getName()).get(1)[1]).endsWith("사유: 충전기 점검");
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
        assertThat(types(booked.getName())).as("not yet").containsExactly("RESERVATION_CREATED");

        Instant reminderTime = start.minus(Duration.ofMinutes(20));
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> one.run(reminderTime));
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> another.run(reminderTime));
        assertThat(first.get() + second.get()).isEqualTo(1);
        one.run(reminderTime.plusSeconds(60));
        assertThat(types(booked.getName())).containsExactly("RESERVATION_CREATED", "RESERVATION_REMINDER");
        assertThat(about(booked.getName()).get(1)[1]).contains("14:00");

        Instant afterWindow = start.plus(Duration.ofMinutes(61));
        one.run(afterWindow);
        another.run(afterWindow);
        one.run(afterWindow.plusSeconds(60));
        assertThat(types(booked.getName())).containsExactly("RESERVATION_CREATED", "RESERVATION_REMINDER", "RESERVATION_NO_SHOW");
    }

    @Test
    void eachBookingIsAnnouncedOnceAndARefusedOrRetriedOneIsNot() throws Exception {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 3);
        Drivers.Driver driver = Drivers.signUp(t);
        // Booked at once, so the writer batches them.
        List<CompletableFuture<Reservation>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String car = driver.newCar();
            String spot = lot.spot(i);
            calls.add(CompletableFuture.supplyAsync(() -> driver.reservations().createReservation(
                    booking(car, spot, inDays(4), 9 * 60, 10 * 60).setRequestId("announce-" + spot.substring(spot.lastIndexOf('/') + 1)).build())));
        }
        List<Reservation> booked = new ArrayList<>();
        for (CompletableFuture<Reservation> call : calls) {
            booked.add(call.get());
        }
        for (Reservation reservation : booked) {
            assertThat(types(reservation.getName())).containsExactly("RESERVATION_CREATED");
            assertThat(about(reservation.getName()).get(0)[1]).contains("Test lot Asia/Seoul").contains("09:00");
        }
        // The same request again returns the same reservation and announces nothing new.
        Reservation first = booked.get(0);
        Reservation again = driver.reservations().createReservation(booking(first.getCar(), first.getSpot(), inDays(4),
                9 * 60, 10 * 60).setRequestId("announce-" + first.getSpot().substring(first.getSpot().lastIndexOf('/') + 1)).build());
        assertThat(again.getName()).isEqualTo(first.getName());
        // An overlapping booking is refused and announces nothing.
        String otherCar = driver.newCar();
        assertThatThrownBy(() -> driver.reservations().createReservation(booking(otherCar, first.getSpot(), inDays(4),
                9 * 60 + 30, 10 * 60 + 30).build())).isInstanceOf(io.grpc.StatusRuntimeException.class);
        assertThat(count("SELECT count(*) FROM notification_outbox WHERE type = 'RESERVATION_CREATED' AND user_id = "
                + "(SELECT user_id FROM cars WHERE id = '" + otherCar.substring("cars/".length()) + "')")).isEqualTo(3);
        assertThat(types(first.getName())).containsExactly("RESERVATION_CREATED");
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = TestDatabases.connect(t.database); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
