package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The migrations on an empty database, and the invariants the schema itself holds. */
class SchemaConstraintsTest {

    private static ChargeBotServer server;
    private static DatabaseSettings database;

    @BeforeAll
    static void start() {
        database = TestDatabases.create();
        server = TestServers.start(database, Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void migrationsCreateTheWholeDomain() throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = TestDatabases.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        assertThat(tables).contains("users", "verifications", "sessions", "refresh_tokens", "driver_licenses",
                "devices", "cars", "parking_lots", "parking_lot_hours", "spots", "reservations", "robots",
                "robot_logs", "robot_commands", "notification_outbox", "audit_log", "service_clients");
    }

    @Test
    void overlappingActiveReservationsOfOneSpotAreRejected() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            Fixture f = fixture(c);
            UUID otherCar = car(c, f.user, "34나5678");
            reserve(c, f, f.car, "[2030-01-01 10:00+09, 2030-01-01 11:00+09)", "CONFIRMED");
            assertThatThrownBy(() -> reserve(c, f, otherCar, "[2030-01-01 10:30+09, 2030-01-01 11:30+09)", "CONFIRMED"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23P01"))
                    .hasMessageContaining("reservations_spot_no_overlap");
            // Back-to-back windows do not overlap: [10:00, 11:00) and [11:00, 12:00).
            reserve(c, f, otherCar, "[2030-01-01 11:00+09, 2030-01-01 12:00+09)", "CONFIRMED");
        }
    }

    @Test
    void oneCarCannotBeBookedTwiceAtOnceEvenOnAnotherSpot() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            Fixture f = fixture(c);
            UUID otherSpot = spot(c, f.lot, "Z-99");
            reserve(c, f, f.car, "[2030-02-01 10:00+09, 2030-02-01 11:00+09)", "CONFIRMED");
            Fixture onOtherSpot = new Fixture(f.user, f.car, f.lot, otherSpot);
            assertThatThrownBy(() -> reserve(c, onOtherSpot, f.car, "[2030-02-01 10:30+09, 2030-02-01 12:00+09)", "IN_PROGRESS"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("reservations_car_no_overlap");
        }
    }

    @Test
    void aReservationsUserOwnsItsCarAndItsLotIsItsSpotsLot() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            Fixture f = fixture(c);
            Fixture other = fixture(c);
            // Another user's car, or this user's car with another user named: no such (car, owner) pair.
            assertThatThrownBy(() -> reserve(c, new Fixture(f.user, f.car, f.lot, f.spot), other.car,
                    "[2030-05-01 10:00+09, 2030-05-01 11:00+09)", "CONFIRMED"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23503"))
                    .hasMessageContaining("reservations_car_owner_fkey");
            // A spot of another lot.
            assertThatThrownBy(() -> reserve(c, new Fixture(f.user, f.car, f.lot, other.spot), f.car,
                    "[2030-05-01 10:00+09, 2030-05-01 11:00+09)", "CONFIRMED"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23503"))
                    .hasMessageContaining("reservations_spot_lot_fkey");
            // The matching pairs are accepted.
            reserve(c, f, f.car, "[2030-05-01 10:00+09, 2030-05-01 11:00+09)", "CONFIRMED");
        }
    }

    @Test
    void cancelledAndFinishedReservationsDoNotBlockTheWindow() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            Fixture f = fixture(c);
            for (String status : List.of("CANCELLED", "COMPLETED", "NO_SHOW", "FAILED")) {
                reserve(c, f, f.car, "[2030-03-01 10:00+09, 2030-03-01 11:00+09)", status);
            }
            reserve(c, f, f.car, "[2030-03-01 10:00+09, 2030-03-01 11:00+09)", "CONFIRMED");
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM reservations WHERE spot_id = '" + f.spot + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(5);
            }
        }
    }

    @Test
    void emptyOrInclusiveEndWindowsAreRejected() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            Fixture f = fixture(c);
            assertThatThrownBy(() -> reserve(c, f, f.car, "[2030-04-01 10:00+09, 2030-04-01 10:00+09)", "CONFIRMED"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23514"));
            assertThatThrownBy(() -> reserve(c, f, f.car, "[2030-04-01 10:00+09, 2030-04-01 11:00+09]", "CONFIRMED"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23514"));
        }
    }

    @Test
    void loginIdsAreUniqueRegardlessOfCase() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            user(c, "CaseUser");
            assertThatThrownBy(() -> user(c, "caseuser"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
        }
    }

    @Test
    void aPlateIsUniqueAmongActiveCarsOnly() throws SQLException {
        try (Connection c = TestDatabases.connect(database)) {
            UUID owner = user(c, "plate-owner");
            UUID first = car(c, owner, "55다5555");
            assertThatThrownBy(() -> car(c, owner, "55다5555"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE cars SET deleted_at = now() WHERE id = '" + first + "'");
            }
            assertThat(car(c, owner, "55다5555")).isNotEqualTo(first);
        }
    }

    private record Fixture(UUID user, UUID car, UUID lot, UUID spot) {}

    private static Fixture fixture(Connection c) throws SQLException {
        UUID user = user(c, "u" + UUID.randomUUID().toString().substring(0, 8));
        UUID car = car(c, user, String.format("%02d가%04d", (int) (Math.random() * 90) + 10, (int) (Math.random() * 9000) + 1000));
        UUID lot;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO parking_lots (display_name, latitude, longitude) VALUES ('Test lot', 37.5, 127.0) RETURNING id")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lot = rs.getObject(1, UUID.class);
            }
        }
        return new Fixture(user, car, lot, spot(c, lot, "A-01"));
    }

    private static UUID user(Connection c, String loginId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO users (login_id, display_name) VALUES (?, 'Tester') RETURNING id")) {
            ps.setString(1, loginId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static UUID car(Connection c, UUID user, String plate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO cars (user_id, plate, plate_normalized) VALUES (?, ?, ?) RETURNING id")) {
            ps.setObject(1, user);
            ps.setString(2, plate);
            ps.setString(3, plate);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static UUID spot(Connection c, UUID lot, String code) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO spots (lot_id, floor, code) VALUES (?, 'B1', ?) RETURNING id")) {
            ps.setObject(1, lot);
            ps.setString(2, code);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    private static void reserve(Connection c, Fixture f, UUID car, String period, String status) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period, status) "
                + "VALUES (?, ?, ?, ?, 'x', ?::tstzrange, ?)")) {
            ps.setObject(1, f.user);
            ps.setObject(2, car);
            ps.setObject(3, f.spot);
            ps.setObject(4, f.lot);
            ps.setString(5, period);
            ps.setString(6, status);
            ps.executeUpdate();
        }
    }
}
