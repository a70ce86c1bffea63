package io.chargebot.server.testing;

import io.chargebot.server.db.DatabaseSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Lots and spots written straight to the database, for tests of what builds on them. */
public final class ParkingFixtures {

    private ParkingFixtures() {}

    /** A lot and its spots' ids. */
    public record TestLot(UUID id, List<UUID> spots) {
        public String name() {
            return "parkingLots/" + id;
        }

        public String spot(int index) {
            return name() + "/spots/" + spots.get(index);
        }
    }

    /**
     * An open lot in {@code zone} with {@code spots} spots (codes A01, A02, …) and the same hours on
     * every weekday, {@code openMinute}..{@code closeMinute} after local midnight.
     */
    public static TestLot lot(DatabaseSettings database, String zone, int spots, int openMinute, int closeMinute) {
        try (Connection c = TestDatabases.connect(database)) {
            UUID lot;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO parking_lots (display_name, address, latitude, "
                    + "longitude, time_zone) VALUES (?, '서울 중구 세종대로 110', 37.5663, 126.9779, ?) RETURNING id")) {
                ps.setString(1, "Test lot " + zone);
                ps.setString(2, zone);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    lot = rs.getObject(1, UUID.class);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO parking_lot_hours (lot_id, day_of_week, open_minute, close_minute) VALUES (?, ?, ?, ?)")) {
                for (int day = 1; day <= 7; day++) {
                    ps.setObject(1, lot);
                    ps.setInt(2, day);
                    ps.setInt(3, openMinute);
                    ps.setInt(4, closeMinute);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO spots (lot_id, floor, code, x_meters, y_meters) VALUES (?, 'B1', ?, ?, 5) RETURNING id")) {
                for (int i = 1; i <= spots; i++) {
                    ps.setObject(1, lot);
                    ps.setString(2, String.format("A%02d", i));
                    ps.setDouble(3, i * 3.0);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return new TestLot(lot, List.copyOf(ids));
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** An open Asia/Seoul lot open 09:00–22:00 every day (the seed's defaults). */
    public static TestLot seoulLot(DatabaseSettings database, int spots) {
        return lot(database, "Asia/Seoul", spots, 9 * 60, 22 * 60);
    }

    /** Runs one SQL statement (setup or corruption on purpose). */
    public static void execute(DatabaseSettings database, String sql) {
        try (Connection c = TestDatabases.connect(database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
