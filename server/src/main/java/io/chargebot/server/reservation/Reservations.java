package io.chargebot.server.reservation;

import com.google.type.Date;
import com.google.type.TimeOfDay;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The reservations table: reading rows with their lot and spot, the proto mapping, conflicts and
 * the lot facts booking needs. Shared by ReservationService and PlateService.
 */
@Singleton
public final class Reservations {

    /** Statuses that hold a spot and a car (the exclusion constraints' predicate). */
    public static final String ACTIVE = "('CONFIRMED', 'IN_PROGRESS')";

    /**
     * Columns of {@code reservations r JOIN parking_lots l JOIN spots s}; the first parameter of a
     * statement that uses them is the instant the status is derived at.
     */
    public static final String SELECT = "SELECT r.id, r.user_id, r.car_id, r.spot_id, r.lot_id, r.plate_normalized, "
            + "lower(r.period) AS start_at, upper(r.period) AS end_at, reservation_status(r.status, r.period, ?) AS derived, "
            + "r.robot_id, r.dispatched_at, r.arrived_at, r.charging_started_at, r.charging_finished_at, "
            + "r.energy_delivered_kwh, r.cancelled_at, r.cancel_reason, (r.cancelled_by IS NOT NULL AND r.cancelled_by <> r.user_id) "
            + "AS by_admin, r.failure_reason, r.created_at, r.updated_at, l.time_zone, l.display_name, s.floor, s.code, "
            + "rb.robot_key FROM reservations r JOIN parking_lots l ON l.id = r.lot_id JOIN spots s ON s.id = r.spot_id "
            + "LEFT JOIN robots rb ON rb.id = r.robot_id ";

    /** A reservation row with its status derived at read time. */
    public record Row(UUID id, UUID userId, UUID carId, UUID spotId, UUID lotId, String plate, Instant start, Instant end,
                      String status, @Nullable UUID robotId, @Nullable Instant dispatchedAt, @Nullable Instant arrivedAt,
                      @Nullable Instant chargingStartedAt, @Nullable Instant chargingFinishedAt, double energyKwh,
                      @Nullable Instant cancelledAt, @Nullable String cancelReason, boolean cancelledByAdmin,
                      @Nullable String failureReason, Instant createdAt, Instant updatedAt, ZoneId zone, String lotName,
                      String spotFloor, String spotCode, @Nullable String robotKey) {

        public String name() {
            return ResourceNames.name(ResourceNames.RESERVATIONS, id);
        }
    }

    /** What booking needs to know about a spot and its lot. */
    public record SpotFacts(UUID spotId, UUID lotId, boolean spotUsable, boolean lotOpen, ZoneId zone,
                            Map<DayOfWeek, BookingWindow.Hours> hours, String lotName, String floor, String code) {}

    public static Row row(ResultSet rs) throws SQLException {
        BigDecimal energy = rs.getBigDecimal("energy_delivered_kwh");
        return new Row(rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class), rs.getObject("car_id", UUID.class),
                rs.getObject("spot_id", UUID.class), rs.getObject("lot_id", UUID.class), rs.getString("plate_normalized"),
                instant(rs, "start_at"), instant(rs, "end_at"), rs.getString("derived"), rs.getObject("robot_id", UUID.class),
                instant(rs, "dispatched_at"), instant(rs, "arrived_at"), instant(rs, "charging_started_at"),
                instant(rs, "charging_finished_at"), energy == null ? 0 : energy.doubleValue(), instant(rs, "cancelled_at"),
                rs.getString("cancel_reason"), rs.getBoolean("by_admin"), rs.getString("failure_reason"),
                instant(rs, "created_at"), instant(rs, "updated_at"), ZoneId.of(rs.getString("time_zone")),
                rs.getString("display_name"), rs.getString("floor"), rs.getString("code"), rs.getString("robot_key"));
    }

    @Nullable
    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toInstant();
    }

    /** The reservation {@code id} as seen at {@code now}. */
    public Optional<Row> byId(Connection connection, UUID id, Instant now, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, SELECT + "WHERE r.id = ?" + (forUpdate ? " FOR UPDATE OF r" : ""))) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public static Reservation toProto(Row r) {
        ZonedDateTime start = r.start().atZone(r.zone());
        ZonedDateTime end = r.end().atZone(r.zone());
        LocalDate date = start.toLocalDate();
        // A window ending at the next local midnight is shown as 24:00 on its date.
        int endHours = end.toLocalDate().isAfter(date) ? 24 * (int) (end.toLocalDate().toEpochDay() - date.toEpochDay())
                + end.getHour() : end.getHour();
        Reservation.Builder b = Reservation.newBuilder()
                .setName(r.name())
                .setUser(ResourceNames.name(ResourceNames.USERS, r.userId()))
                .setCar(ResourceNames.name(ResourceNames.CARS, r.carId()))
                .setSpot(ResourceNames.spot(r.lotId(), r.spotId()))
                .setParkingLot(ResourceNames.parkingLot(r.lotId()))
                .setPlate(r.plate())
                .setStartTime(ProtoTime.timestamp(r.start()))
                .setEndTime(ProtoTime.timestamp(r.end()))
                .setLocalDate(date(date))
                .setLocalStartTime(TimeOfDay.newBuilder().setHours(start.getHour()).setMinutes(start.getMinute()))
                .setLocalEndTime(TimeOfDay.newBuilder().setHours(endHours).setMinutes(end.getMinute()))
                .setTimeZone(r.zone().getId())
                .setStatus(ReservationStatus.valueOf("RESERVATION_STATUS_" + r.status()))
                .setEnergyDeliveredKwh(r.energyKwh())
                .setCancelledByAdmin(r.cancelledByAdmin())
                .setParkingLotDisplayName(r.lotName())
                .setSpotFloor(r.spotFloor())
                .setSpotCode(r.spotCode())
                .setCreateTime(ProtoTime.timestamp(r.createdAt()))
                .setUpdateTime(ProtoTime.timestamp(r.updatedAt()));
        if (r.robotKey() != null) {
            // Robots are named by their MQTT id (robot_key), as RobotService names them.
            b.setRobot(ResourceNames.ROBOTS + '/' + r.robotKey());
        }
        if (r.dispatchedAt() != null) {
            b.setDispatchTime(ProtoTime.timestamp(r.dispatchedAt()));
        }
        if (r.arrivedAt() != null) {
            b.setArrivalTime(ProtoTime.timestamp(r.arrivedAt()));
        }
        if (r.chargingStartedAt() != null) {
            b.setChargingStartTime(ProtoTime.timestamp(r.chargingStartedAt()));
        }
        if (r.chargingFinishedAt() != null) {
            b.setChargingFinishTime(ProtoTime.timestamp(r.chargingFinishedAt()));
        }
        if (r.cancelledAt() != null) {
            b.setCancelTime(ProtoTime.timestamp(r.cancelledAt()));
        }
        if (r.cancelReason() != null) {
            b.setCancelReason(r.cancelReason());
        }
        if (r.failureReason() != null) {
            b.setFailureReason(r.failureReason());
        }
        return b.build();
    }

    public static Date date(LocalDate date) {
        return Date.newBuilder().setYear(date.getYear()).setMonth(date.getMonthValue()).setDay(date.getDayOfMonth()).build();
    }

    /** The spot (not deleted) and its lot, with the lot's opening hours, in one round trip; empty when the spot does not exist. */
    public Optional<SpotFacts> spotFacts(Connection connection, UUID lotId, UUID spotId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT s.enabled, l.open, l.time_zone, l.display_name, s.floor, "
                + "s.code, " + PACKED_HOURS + " AS hours FROM spots s JOIN parking_lots l ON l.id = s.lot_id WHERE s.id = ? AND s.lot_id = ? AND s.deleted_at IS NULL")) {
            ps.setObject(1, spotId);
            ps.setObject(2, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Map<DayOfWeek, BookingWindow.Hours> hours = unpackHours(rs.getArray("hours"));
                return Optional.of(new SpotFacts(spotId, lotId, rs.getBoolean(1), rs.getBoolean(2), ZoneId.of(rs.getString(3)),
                        hours, rs.getString(4), rs.getString(5), rs.getString(6)));
            }
        }
    }

    /**
     * Every spot (not deleted) of a lot with the lot's facts, in one round trip; empty when the lot
     * has no such spot. What {@link LotFactsCache} keeps.
     */
    public Optional<Map<UUID, SpotFacts>> lotSpotFacts(Connection connection, UUID lotId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT s.id, s.enabled, l.open, l.time_zone, l.display_name, "
                + "s.floor, s.code, h.hours FROM parking_lots l, LATERAL (SELECT " + PACKED_HOURS + " AS hours) h, spots s "
                + "WHERE l.id = ? AND s.lot_id = l.id AND s.deleted_at IS NULL")) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                Map<UUID, SpotFacts> spots = new java.util.HashMap<>();
                Map<DayOfWeek, BookingWindow.Hours> hours = null;
                ZoneId zone = null;
                while (rs.next()) {
                    if (hours == null) {
                        hours = java.util.Collections.unmodifiableMap(unpackHours(rs.getArray(8)));
                        zone = ZoneId.of(rs.getString(4));
                    }
                    UUID spotId = rs.getObject(1, UUID.class);
                    spots.put(spotId, new SpotFacts(spotId, lotId, rs.getBoolean(2), rs.getBoolean(3), zone, hours,
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
                return spots.isEmpty() ? Optional.empty() : Optional.of(Map.copyOf(spots));
            }
        }
    }

    /**
     * A scalar subquery giving lot {@code l}'s opening hours in one value: per weekday
     * {@code day * 10^8 + open * 10^4 + close}; read it with {@link #unpackHours}.
     */
    static final String PACKED_HOURS = "(SELECT array_agg(h.day_of_week * 100000000 + h.open_minute * 10000 + h.close_minute) "
            + "FROM parking_lot_hours h WHERE h.lot_id = l.id)";

    /** Opening hours per weekday from {@link #PACKED_HOURS}; a weekday without hours is closed. */
    static Map<DayOfWeek, BookingWindow.Hours> unpackHours(@Nullable java.sql.Array packed) throws SQLException {
        Map<DayOfWeek, BookingWindow.Hours> hours = new EnumMap<>(DayOfWeek.class);
        if (packed != null) {
            for (Object value : (Object[]) packed.getArray()) {
                int v = ((Number) value).intValue();
                hours.put(DayOfWeek.of(v / 100_000_000), new BookingWindow.Hours(v / 10_000 % 10_000, v % 10_000));
            }
        }
        return hours;
    }

    /** Overlapping active windows, and the reservation among them made with a given request id, if any. */
    public record Conflicts(List<ReservationConflict> conflicts, @Nullable UUID sameRequest) {}

    /**
     * Active windows overlapping {@code [start, end)} at the spot and, when given, of the car or of
     * any car with the plate. The reservation's name is included only when it is {@code viewer}'s.
     */
    public List<ReservationConflict> conflicts(Connection connection, UUID spotId, @Nullable UUID carId,
                                               @Nullable String plate, Instant start, Instant end, @Nullable UUID viewer)
            throws SQLException {
        return conflicts(connection, spotId, carId, plate, start, end, viewer, null).conflicts();
    }

    /** Like the above; also tells which one, if any, {@code viewer} made with {@code requestId}. */
    public Conflicts conflicts(Connection connection, UUID spotId, @Nullable UUID carId, @Nullable String plate,
                               Instant start, Instant end, @Nullable UUID viewer, @Nullable String requestId)
            throws SQLException {
        List<Overlap> overlaps = new ArrayList<>();
        String sql = "SELECT id, user_id, lower(period), upper(period), spot_id, request_id FROM reservations "
                + "WHERE status IN " + ACTIVE + " AND period && tstzrange(?, ?) AND (spot_id = ?"
                + (carId != null ? " OR car_id = ?" : "") + (plate != null ? " OR plate_normalized = ?" : "")
                + ") ORDER BY lower(period), id LIMIT " + LISTED_CONFLICTS;
        try (PreparedStatement ps = Db.prepare(connection, sql)) {
            int i = 1;
            ps.setTimestamp(i++, Timestamp.from(start));
            ps.setTimestamp(i++, Timestamp.from(end));
            ps.setObject(i++, spotId);
            if (carId != null) {
                ps.setObject(i++, carId);
            }
            if (plate != null) {
                ps.setString(i, plate);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    overlaps.add(new Overlap(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                            rs.getObject(5, UUID.class), rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant(),
                            rs.getString(6)));
                }
            }
        }
        return explain(overlaps, spotId, viewer, requestId);
    }

    /** How many overlapping windows a conflict names at most. */
    static final int LISTED_CONFLICTS = 20;

    /** An active reservation overlapping a requested window, as a conflict reply needs it. */
    public record Overlap(UUID id, UUID userId, UUID spotId, Instant start, Instant end, @Nullable String requestId) {
        /** The order conflicts are listed in: by start, then by id as PostgreSQL orders uuids. */
        static final java.util.Comparator<Overlap> ORDER = java.util.Comparator.comparing(Overlap::start)
                .thenComparing(o -> o.id().toString());
    }

    /**
     * The conflicts of a window at {@code spotId} given the active reservations overlapping it (in
     * {@link Overlap#ORDER}; each of the spot or of the car): the reservation's name is included only
     * when it is {@code viewer}'s, and the one {@code viewer} made with {@code requestId}, if any, is
     * told apart.
     */
    public static Conflicts explain(List<Overlap> overlaps, UUID spotId, @Nullable UUID viewer, @Nullable String requestId) {
        List<ReservationConflict> conflicts = new ArrayList<>(overlaps.size());
        UUID sameRequest = null;
        for (Overlap o : overlaps) {
            boolean own = viewer != null && viewer.equals(o.userId());
            if (own && requestId != null && requestId.equals(o.requestId())) {
                sameRequest = o.id();
            }
            ReservationConflict.Builder c = ReservationConflict.newBuilder()
                    .setScope(o.spotId().equals(spotId) ? ConflictScope.CONFLICT_SCOPE_SPOT : ConflictScope.CONFLICT_SCOPE_CAR)
                    .setStartTime(ProtoTime.timestamp(o.start()))
                    .setEndTime(ProtoTime.timestamp(o.end()));
            if (own) {
                c.setReservation(ResourceNames.name(ResourceNames.RESERVATIONS, o.id()));
            }
            conflicts.add(c.build());
        }
        return new Conflicts(conflicts, sameRequest);
    }

    /** What holds a car or a spot: the unfinished reservations of one column's value. */
    public enum Holder {
        CAR("car_id"),
        SPOT("spot_id");

        private final String column;

        Holder(String column) {
            this.column = column;
        }
    }

    private static final int LISTED_UNFINISHED = 10;

    /**
     * FAILED_PRECONDITION naming the active reservations (CONFIRMED, IN_PROGRESS) of the car or spot
     * that have not ended at {@code now}, if any — with a {@code PreconditionFailure} detail listing
     * them and metadata {@code reservations} (comma-separated names) and {@code reservation_count};
     * {@code action} says what was refused ("the car cannot be deleted"), {@code advice} what to do.
     * The caller must hold the car's or spot's row lock (FOR UPDATE), so no booking slips in meanwhile.
     */
    public static void requireNoUnfinished(Connection connection, Holder holder, UUID id, String resourceName, Instant now,
                                           String action, String advice) throws SQLException {
        List<String> listed = new ArrayList<>();
        long count = 0;
        try (PreparedStatement ps = Db.prepare(connection, "SELECT id, count(*) OVER () FROM reservations WHERE "
                + holder.column + " = ? AND status IN " + ACTIVE + " AND period && tstzrange(?, NULL) "
                + "ORDER BY lower(period), id LIMIT ?")) {
            ps.setObject(1, id);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setInt(3, LISTED_UNFINISHED);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    listed.add(ResourceNames.name(ResourceNames.RESERVATIONS, rs.getObject(1, UUID.class)));
                    count = rs.getLong(2);
                }
            }
        }
        if (count == 0) {
            return;
        }
        com.google.rpc.PreconditionFailure.Builder failure = com.google.rpc.PreconditionFailure.newBuilder();
        for (String reservation : listed) {
            failure.addViolations(com.google.rpc.PreconditionFailure.Violation.newBuilder()
                    .setType("UNFINISHED_RESERVATION")
                    .setSubject(reservation)
                    .setDescription("reservation of " + resourceName + " that has not ended"));
        }
        String names = String.join(", ", listed) + (count > listed.size() ? ", …" : "");
        throw new io.chargebot.server.error.ApiException(io.grpc.Status.Code.FAILED_PRECONDITION,
                io.chargebot.common.v1.ErrorReason.FAILED_PRECONDITION,
                action + ": " + resourceName + " has " + count + " unfinished reservation" + (count == 1 ? "" : "s")
                        + " (" + names + "); " + advice,
                List.of(), Map.of("resource_name", resourceName, "reservation_count", Long.toString(count),
                        "reservations", String.join(",", listed)), null)
                .withDetails(List.of(failure.build()));
    }
}
