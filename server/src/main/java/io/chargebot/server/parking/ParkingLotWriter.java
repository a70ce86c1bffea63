package io.chargebot.server.parking;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.reservation.Reservations;
import io.grpc.Status;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Admin writes to lots and spots (seed 000 "CU 구현 예정"). Each change is one transaction with its
 * audit_log entry; spot changes also touch the lot's update time, since spots are part of the lot
 * resource. Deleting a spot is a soft delete and is refused while the spot has upcoming reservations.
 */
@Singleton
final class ParkingLotWriter {

    private final Db db;
    private final AuditLog audit;
    private final java.time.Clock clock;

    ParkingLotWriter(Db db, AuditLog audit, java.time.Clock clock) {
        this.db = db;
        this.audit = audit;
        this.clock = clock;
    }

    /** Inserts a lot with its business hours; returns its id. */
    UUID createLot(ParkingLotInput.Lot lot) {
        return db.transaction(connection -> {
            checkTimeZoneKnown(connection, lot.timeZone(), "parking_lot.time_zone");
            UUID id;
            try (PreparedStatement ps = Db.prepare(connection,
                    "INSERT INTO parking_lots (display_name, address, latitude, longitude, image_uri, time_zone, open) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
                ps.setString(1, lot.displayName());
                ps.setString(2, lot.address());
                ps.setDouble(3, lot.latitude());
                ps.setDouble(4, lot.longitude());
                ps.setString(5, lot.imageUri());
                ps.setString(6, lot.timeZone());
                ps.setBoolean(7, lot.open());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getObject(1, UUID.class);
                }
            }
            insertHours(connection, id, lot.hours());
            audit.record(connection, null, null, "parking_lot.create", ResourceNames.parkingLot(id), null,
                    Map.of("display_name", lot.displayName(), "open", Boolean.toString(lot.open())));
            return id;
        });
    }

    /** Changes the {@code fields} of a lot; NOT_FOUND when there is no such lot. */
    void updateLot(UUID id, ParkingLotInput.Lot lot, List<String> fields) {
        db.transaction(connection -> {
            if (fields.contains("time_zone")) {
                checkTimeZoneKnown(connection, lot.timeZone(), "parking_lot.time_zone");
            }
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE parking_lots SET "
                    + "display_name = CASE WHEN ? THEN ? ELSE display_name END, "
                    + "address = CASE WHEN ? THEN ? ELSE address END, "
                    + "latitude = CASE WHEN ? THEN ? ELSE latitude END, "
                    + "longitude = CASE WHEN ? THEN ? ELSE longitude END, "
                    + "image_uri = CASE WHEN ? THEN ? ELSE image_uri END, "
                    + "time_zone = CASE WHEN ? THEN ? ELSE time_zone END, "
                    + "open = CASE WHEN ? THEN ? ELSE open END, "
                    + "updated_at = now() WHERE id = ?")) {
                int i = 1;
                ps.setBoolean(i++, fields.contains("display_name"));
                ps.setString(i++, lot.displayName());
                ps.setBoolean(i++, fields.contains("address"));
                ps.setString(i++, lot.address());
                ps.setBoolean(i++, fields.contains("location"));
                ps.setDouble(i++, lot.latitude());
                ps.setBoolean(i++, fields.contains("location"));
                ps.setDouble(i++, lot.longitude());
                ps.setBoolean(i++, fields.contains("image_uri"));
                ps.setString(i++, lot.imageUri());
                ps.setBoolean(i++, fields.contains("time_zone"));
                ps.setString(i++, lot.timeZone());
                ps.setBoolean(i++, fields.contains("open"));
                ps.setBoolean(i++, lot.open());
                ps.setObject(i, id);
                if (ps.executeUpdate() == 0) {
                    throw ApiException.notFound(ResourceNames.parkingLot(id));
                }
            }
            if (fields.contains("business_hours")) {
                try (PreparedStatement ps = Db.prepare(connection, "DELETE FROM parking_lot_hours WHERE lot_id = ?")) {
                    ps.setObject(1, id);
                    ps.executeUpdate();
                }
                insertHours(connection, id, lot.hours());
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("fields", String.join(",", fields));
            if (fields.contains("open")) {
                details.put("open", Boolean.toString(lot.open()));
            }
            audit.record(connection, null, null, "parking_lot.update", ResourceNames.parkingLot(id), null, details);
            return null;
        });
    }

    /** Adds a spot to a lot; NOT_FOUND without the lot, ALREADY_EXISTS when its code is taken there. */
    ParkingLotRepository.Spot createSpot(UUID lotId, ParkingLotInput.SpotFields spot) {
        return db.transaction(connection -> {
            touchLot(connection, lotId, ResourceNames.parkingLot(lotId));
            ParkingLotRepository.Spot created;
            try (PreparedStatement ps = Db.prepare(connection,
                    "INSERT INTO spots (lot_id, floor, code, x_meters, y_meters, enabled) VALUES (?, ?, ?, ?, ?, ?) "
                    + "RETURNING id, floor, code, x_meters, y_meters, enabled")) {
                ps.setObject(1, lotId);
                ps.setString(2, spot.floor());
                ps.setString(3, spot.code());
                ps.setDouble(4, spot.xMeters());
                ps.setDouble(5, spot.yMeters());
                ps.setBoolean(6, spot.enabled());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    created = spot(rs);
                }
            } catch (SQLException e) {
                throw codeTaken(e, lotId, spot.code());
            }
            audit.record(connection, null, null, "spot.create", ResourceNames.spot(lotId, created.id()), null,
                    Map.of("floor", created.floor(), "code", created.code()));
            return created;
        });
    }

    /** Changes the {@code fields} of a spot; NOT_FOUND for a deleted or unknown spot. */
    ParkingLotRepository.Spot updateSpot(ResourceNames.SpotName name, ParkingLotInput.SpotFields spot, List<String> fields) {
        return db.transaction(connection -> {
            touchLot(connection, name.lotId(), name.toString());
            ParkingLotRepository.Spot updated;
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE spots SET "
                    + "floor = CASE WHEN ? THEN ? ELSE floor END, "
                    + "code = CASE WHEN ? THEN ? ELSE code END, "
                    + "x_meters = CASE WHEN ? THEN ? ELSE x_meters END, "
                    + "y_meters = CASE WHEN ? THEN ? ELSE y_meters END, "
                    + "enabled = CASE WHEN ? THEN ? ELSE enabled END, "
                    + "updated_at = now() WHERE id = ? AND lot_id = ? AND deleted_at IS NULL "
                    + "RETURNING id, floor, code, x_meters, y_meters, enabled")) {
                int i = 1;
                ps.setBoolean(i++, fields.contains("floor"));
                ps.setString(i++, spot.floor());
                ps.setBoolean(i++, fields.contains("code"));
                ps.setString(i++, spot.code());
                ps.setBoolean(i++, fields.contains("x_meters"));
                ps.setDouble(i++, spot.xMeters());
                ps.setBoolean(i++, fields.contains("y_meters"));
                ps.setDouble(i++, spot.yMeters());
                ps.setBoolean(i++, fields.contains("enabled"));
                ps.setBoolean(i++, spot.enabled());
                ps.setObject(i++, name.spotId());
                ps.setObject(i, name.lotId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound(name.toString());
                    }
                    updated = spot(rs);
                }
            } catch (SQLException e) {
                throw codeTaken(e, name.lotId(), spot.code());
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("fields", String.join(",", fields));
            details.put("code", updated.code());
            audit.record(connection, null, null, "spot.update", name.toString(), null, details);
            return updated;
        });
    }

    /**
     * Soft-deletes a spot. FAILED_PRECONDITION naming its upcoming reservations (CONFIRMED or
     * IN_PROGRESS, not yet ended) while it has any; NOT_FOUND for a deleted or unknown spot.
     */
    void deleteSpot(ResourceNames.SpotName name) {
        db.transaction(connection -> {
            touchLot(connection, name.lotId(), name.toString());
            // FOR UPDATE also blocks reservations being inserted for this spot (their foreign-key
            // check takes a KEY SHARE lock) until this transaction ends, so none slips in between.
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT 1 FROM spots WHERE id = ? AND lot_id = ? AND deleted_at IS NULL FOR UPDATE")) {
                ps.setObject(1, name.spotId());
                ps.setObject(2, name.lotId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound(name.toString());
                    }
                }
            }
            Reservations.requireNoUnfinished(connection, Reservations.Holder.SPOT, name.spotId(), name.toString(),
                    clock.instant(), "the spot cannot be deleted", "cancel them or disable the spot instead (enabled=false)");
            try (PreparedStatement ps = Db.prepare(connection,
                    "UPDATE spots SET deleted_at = now(), updated_at = now() WHERE id = ?")) {
                ps.setObject(1, name.spotId());
                ps.executeUpdate();
            }
            audit.record(connection, null, null, "spot.delete", name.toString(), null, Map.of());
            return null;
        });
    }

    /**
     * Bumps the lot's update time (its spots changed). Every spot change locks the lot first and the
     * spot second, so concurrent changes queue instead of deadlocking. NOT_FOUND naming
     * {@code notFoundName} when there is no such lot.
     */
    private static void touchLot(Connection connection, UUID lotId, String notFoundName) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE parking_lots SET updated_at = now() WHERE id = ?")) {
            ps.setObject(1, lotId);
            if (ps.executeUpdate() == 0) {
                throw ApiException.notFound(notFoundName);
            }
        }
    }

    private static void insertHours(Connection connection, UUID lotId, List<ParkingLotRepository.Hours> hours)
            throws SQLException {
        if (hours.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO parking_lot_hours (lot_id, day_of_week, open_minute, close_minute) VALUES (?, ?, ?, ?)")) {
            for (ParkingLotRepository.Hours h : hours) {
                ps.setObject(1, lotId);
                ps.setInt(2, h.dayOfWeek());
                ps.setInt(3, h.openMinute());
                ps.setInt(4, h.closeMinute());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * INVALID_ARGUMENT on {@code field} when PostgreSQL, which reads business hours and reservation
     * dates in the lot's zone, does not know a zone Java accepted (their time zone databases differ
     * in age). Runs before any write of the transaction.
     */
    private static void checkTimeZoneKnown(Connection connection, String timeZone, String field) throws SQLException {
        if (timeZone.equals(ParkingLotInput.DEFAULT_TIME_ZONE)) {
            return;
        }
        try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM pg_timezone_names WHERE name = ?")) {
            ps.setString(1, timeZone);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.invalid(field, "is not a time zone this server's database knows (got " + timeZone + ")");
                }
            }
        }
    }

    private static ApiException codeTaken(SQLException e, UUID lotId, String code) throws SQLException {
        if ("23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("spots_lot_code_key")) {
            return new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESOURCE_EXISTS,
                    ResourceNames.parkingLot(lotId) + " already has a spot with code " + code,
                    List.of(new io.chargebot.server.error.FieldViolation("spot.code", "is already used by another spot of this lot")),
                    Map.of("resource_name", ResourceNames.parkingLot(lotId), "code", code), null);
        }
        throw e;
    }

    private static ParkingLotRepository.Spot spot(ResultSet rs) throws SQLException {
        return new ParkingLotRepository.Spot(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                rs.getDouble(4), rs.getDouble(5), rs.getBoolean(6));
    }
}
