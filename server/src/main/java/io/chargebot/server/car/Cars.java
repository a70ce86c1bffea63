package io.chargebot.server.car;

import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.FieldViolation;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The cars table: reads, the row-to-proto mapping and the plate uniqueness error. */
@Singleton
public final class Cars {

    static final String COLUMNS = "id, user_id, plate, plate_normalized, model, manufacturer, connector_type, "
            + "battery_capacity_kwh, nickname, created_at, updated_at";

    /** A car row that is not deleted. */
    public record CarRow(UUID id, UUID userId, String plate, String plateNormalized, String model, String manufacturer,
                         ConnectorType connectorType, double batteryCapacityKwh, String nickname, Instant createdAt,
                         Instant updatedAt) {
        public String name() {
            return ResourceNames.name(ResourceNames.CARS, id);
        }
    }

    /** The active car {@code id}, optionally locked for update. */
    public Optional<CarRow> byId(Connection connection, UUID id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT " + COLUMNS + " FROM cars WHERE id = ? AND deleted_at IS NULL"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    static CarRow row(ResultSet rs) throws SQLException {
        BigDecimal capacity = rs.getBigDecimal("battery_capacity_kwh");
        return new CarRow(rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class), rs.getString("plate"),
                rs.getString("plate_normalized"), nullToEmpty(rs.getString("model")),
                nullToEmpty(rs.getString("manufacturer")), connector(rs.getString("connector_type")),
                capacity == null ? 0 : capacity.doubleValue(), nullToEmpty(rs.getString("nickname")),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    public static Car toProto(CarRow car) {
        return Car.newBuilder()
                .setName(car.name())
                .setOwner(ResourceNames.name(ResourceNames.USERS, car.userId()))
                .setPlate(car.plate())
                .setNormalizedPlate(car.plateNormalized())
                .setModel(car.model())
                .setManufacturer(car.manufacturer())
                .setConnectorType(car.connectorType())
                .setBatteryCapacityKwh(car.batteryCapacityKwh())
                .setNickname(car.nickname())
                .setCreateTime(ProtoTime.timestamp(car.createdAt()))
                .setUpdateTime(ProtoTime.timestamp(car.updatedAt()))
                .build();
    }

    /** The stored form of a connector type: the enum name without its prefix, e.g. DC_COMBO1. */
    static String stored(ConnectorType type) {
        return type.name().substring("CONNECTOR_TYPE_".length());
    }

    private static ConnectorType connector(@Nullable String stored) {
        if (stored == null) {
            return ConnectorType.CONNECTOR_TYPE_UNSPECIFIED;
        }
        try {
            return ConnectorType.valueOf("CONNECTOR_TYPE_" + stored);
        } catch (IllegalArgumentException e) {
            return ConnectorType.CONNECTOR_TYPE_UNSPECIFIED;
        }
    }

    private static String nullToEmpty(@Nullable String value) {
        return value == null ? "" : value;
    }

    /** ALREADY_EXISTS for a plate held by another active car; {@code e} itself for anything else. */
    static SQLException plateTaken(SQLException e) {
        if ("23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("cars_plate_active_key")) {
            throw new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESOURCE_EXISTS,
                    "a car with this plate is already registered", List.of(new FieldViolation("car.plate",
                            "is already registered to an active car")), Map.of(), null);
        }
        return e;
    }
}
