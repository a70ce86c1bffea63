package io.chargebot.server.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The group-commit writer on its own: what one batch does with bookings that conflict with each
 * other, with committed rows, with a car that is not the caller's, and with a row PostgreSQL refuses.
 */
class BookingWriterTest {

    private static DatabaseSettings database;
    private static ChargeBotServer server;
    private static BookingWriter writer;
    private static TestLot lot;
    private static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(3));
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

    @BeforeAll
    static void start() {
        database = TestDatabases.create();
        server = TestServers.start(database, Map.of());
        writer = server.context().getBean(BookingWriter.class);
        lot = ParkingFixtures.lot(database, "UTC", 2, 0, 24 * 60);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void overlappingBookingsOfOneBatchAreServedInArrivalOrder() throws SQLException {
        UUID user = user();
        UUID carA = car(user);
        UUID carB = car(user);
        UUID carC = car(user);
        UUID spot = lot.spots().get(0);
        List<BookingWriter.Outcome> outcomes = writer.writeTogether(List.of(
                booking(user, carA, spot, 10, 12, null),
                booking(user, carB, spot, 11, 13, null),   // overlaps the first on the spot
                booking(user, carA, lot.spots().get(1), 11, 12, null),   // overlaps the first on the car
                booking(user, carC, spot, 12, 13, null))); // touches the first: [10,12) and [12,13) do not overlap

        assertThat(outcomes).extracting(BookingWriter.Outcome::written).containsExactly(true, false, false, true);
        assertThat(outcomes).extracting(BookingWriter.Outcome::retryAlone).containsOnly(false);
        assertThat(outcomes.get(0).plate()).isEqualTo(plateOf(carA));
        assertThat(activeRows(spot)).containsExactlyInAnyOrder(outcomes.get(0).id(), outcomes.get(3).id());
        // Each skipped booking names what stopped it, though the statement's snapshot cannot show its own rows.
        // (The fourth, written after it, holds part of its window too: it is named as well, by start.)
        assertThat(outcomes.get(1).overlaps()).extracting(Reservations.Overlap::id)
                .containsExactly(outcomes.get(0).id(), outcomes.get(3).id());
        assertThat(outcomes.get(2).overlaps()).extracting(Reservations.Overlap::id).containsExactly(outcomes.get(0).id());
        assertThat(outcomes.get(2).overlaps().get(0).spotId()).isEqualTo(spot);
        assertThat(outcomes.get(0).overlaps()).isEmpty();
    }

    @Test
    void aBookingOverlappingACommittedOneOrOfAnotherUsersCarIsNotWrittenAndTheOthersAre() throws SQLException {
        UUID user = user();
        UUID stranger = user();
        UUID car = car(user);
        UUID strangersCar = car(stranger);
        UUID spot = lot.spots().get(1);
        BookingWriter.Outcome first = writer.writeTogether(List.of(booking(user, car, spot, 2, 4, "r-1"))).get(0);
        assertThat(first.written()).isTrue();

        List<BookingWriter.Outcome> outcomes = writer.writeTogether(List.of(
                booking(user, car, spot, 3, 5, null),               // overlaps the committed one
                booking(user, strangersCar, spot, 6, 7, null),      // not the caller's car
                booking(user, car(user), spot, 4, 5, "r-1"),        // request id already used by this user
                booking(stranger, strangersCar, spot, 8, 9, "r-1"))); // the same request id of another user is fine

        assertThat(outcomes).extracting(BookingWriter.Outcome::written).containsExactly(false, false, false, true);
        assertThat(activeRows(spot)).containsExactlyInAnyOrder(first.id(), outcomes.get(3).id());
        // The committed overlap comes with the outcome, with what a conflict reply needs.
        assertThat(outcomes.get(0).overlaps()).containsExactly(new Reservations.Overlap(first.id(), user, spot,
                DAY.plus(Duration.ofHours(2)), DAY.plus(Duration.ofHours(4)), "r-1"));
        // Nothing overlaps these two: the car and the request id are for the caller to find out.
        assertThat(outcomes.get(1).overlaps()).isEmpty();
        assertThat(outcomes.get(2).overlaps()).isEmpty();
    }

    @Test
    void aRowPostgreSqlRefusesFailsTheBatchAndEveryBookingOfItIsToBeWrittenAlone() throws SQLException {
        UUID user = user();
        UUID car = car(user);
        UUID other = car(user);
        UUID spot = lot.spots().get(0);
        String tooLong = "x".repeat(65); // the column's CHECK allows 64; the API refuses it before the writer
        List<BookingWriter.Outcome> outcomes = writer.writeTogether(List.of(
                booking(user, car, spot, 20, 21, null),
                booking(user, other, spot, 22, 23, tooLong)));

        assertThat(outcomes).extracting(BookingWriter.Outcome::retryAlone).containsExactly(true, true);
        assertThat(count("SELECT count(*) FROM reservations WHERE car_id IN ('" + car + "', '" + other + "')")).isZero();
    }

    private static BookingWriter.Booking booking(UUID user, UUID car, UUID spot, int startHour, int endHour, String requestId) {
        return new BookingWriter.Booking(user, car, spot, lot.id(), DAY.plus(Duration.ofHours(startHour)),
                DAY.plus(Duration.ofHours(endHour)), requestId, NOW);
    }

    private static UUID user() throws SQLException {
        return uuid("INSERT INTO users (login_id, display_name) VALUES ('w" + UUID.randomUUID().toString().substring(0, 12)
                + "', 'Writer test') RETURNING id");
    }

    private static int plates;

    private static UUID car(UUID user) throws SQLException {
        String plate = String.format("%02d가%04d", 10 + plates / 10_000, plates++ % 10_000);
        return uuid("INSERT INTO cars (user_id, plate, plate_normalized) VALUES ('" + user + "', '" + plate + "', '" + plate
                + "') RETURNING id");
    }

    private static String plateOf(UUID car) throws SQLException {
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement ps = c.prepareStatement("SELECT plate_normalized FROM cars WHERE id = ?")) {
            ps.setObject(1, car);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static List<UUID> activeRows(UUID spot) throws SQLException {
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT id FROM reservations WHERE spot_id = ? AND status IN ('CONFIRMED', 'IN_PROGRESS') "
                             + "AND lower(period) >= ? ORDER BY lower(period)")) {
            ps.setObject(1, spot);
            ps.setTimestamp(2, java.sql.Timestamp.from(DAY));
            try (ResultSet rs = ps.executeQuery()) {
                java.util.ArrayList<UUID> ids = new java.util.ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
                return ids;
            }
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static UUID uuid(String sql) throws SQLException {
        try (Connection c = TestDatabases.connect(database);
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, UUID.class);
        }
    }
}
