package io.chargebot.server.car;

import static io.chargebot.server.user.Users.userOfName;

import com.google.protobuf.Empty;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.FieldMasks;
import io.chargebot.server.grpc.PageSizes;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.notification.Notifications;
import io.chargebot.server.reservation.Reservations;
import io.chargebot.user.v1.NotificationType;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * CarService (seed 000 Car_Info): a user's cars. A USER manages its own; an ADMIN may read
 * anyone's. Another user's car answers NOT_FOUND, exactly like a missing one.
 */
@Singleton
final class CarGrpcService extends CarServiceGrpc.CarServiceImplBase {

    static final int MAX_CARS_PER_USER = 20;
    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    private static final Set<String> UPDATABLE =
            Set.of("plate", "model", "manufacturer", "connector_type", "battery_capacity_kwh", "nickname");

    private final Db db;
    private final Cars cars;
    private final PageTokens pageTokens;
    private final AuditLog audit;
    private final Clock clock;
    private final Notifications notifications;

    CarGrpcService(Db db, Cars cars, PageTokens pageTokens, AuditLog audit, Clock clock, Notifications notifications) {
        this.db = db;
        this.cars = cars;
        this.pageTokens = pageTokens;
        this.audit = audit;
        this.notifications = notifications;
        this.clock = clock;
    }

    /** Checked and normalised values of a car's writable fields. */
    private record Fields(String plate, String plateNormalized, String model, String manufacturer,
                          ConnectorType connectorType, double batteryCapacityKwh, String nickname) {}

    private static Fields validate(Car car, Set<String> paths, Violations v) {
        String plate = car.getPlate().strip();
        String normalized = null;
        if (paths.contains("plate")) {
            if (plate.isEmpty()) {
                v.add("car.plate", "is required (e.g. 12가3456, 123가4567 or 서울12가3456)");
            } else if (plate.length() > 20) {
                v.add("car.plate", "must be at most 20 characters");
            } else {
                normalized = Plates.tryNormalize(plate).orElse(null);
                v.check(normalized != null, "car.plate",
                        "is not a Korean registration plate (accepted: 12가3456, 123가4567, 서울12가3456; spaces and dashes allowed)");
            }
        }
        String model = car.getModel().strip();
        String manufacturer = car.getManufacturer().strip();
        String nickname = car.getNickname().strip();
        if (paths.contains("model")) {
            v.check(model.length() <= 50, "car.model", "must be at most 50 characters");
        }
        if (paths.contains("manufacturer")) {
            v.check(manufacturer.length() <= 50, "car.manufacturer", "must be at most 50 characters");
        }
        if (paths.contains("nickname")) {
            v.check(nickname.length() <= 30, "car.nickname", "must be at most 30 characters");
        }
        if (paths.contains("connector_type")) {
            v.check(car.getConnectorType() != ConnectorType.CONNECTOR_TYPE_UNSPECIFIED
                    && car.getConnectorType() != ConnectorType.UNRECOGNIZED, "car.connector_type", "is required (e.g. CONNECTOR_TYPE_DC_COMBO1)");
        }
        double capacity = car.getBatteryCapacityKwh();
        if (paths.contains("battery_capacity_kwh")) {
            v.check(capacity == 0 || (capacity >= 1 && capacity <= 300), "car.battery_capacity_kwh",
                    "must be 0 (unknown) or between 1 and 300 kWh (got " + capacity + ")");
        }
        return new Fields(plate, normalized, model, manufacturer, car.getConnectorType(), capacity, nickname);
    }

    @Override
    @Access(Role.USER)
    public void createCar(CreateCarRequest request, StreamObserver<Car> observer) {
        UUID owner = Principal.require().userId();
        Violations v = new Violations();
        if (!v.check(request.hasCar(), "car", "is required")) {
            v.throwIfAny();
        }
        Fields f = validate(request.getCar(), UPDATABLE, v);
        v.throwIfAny();
        Cars.CarRow created = db.transaction(connection -> {
            // Locking the owner serialises one user's creates, so the per-user limit holds.
            int active = lockOwnerAndCount(connection, owner);
            if (active >= MAX_CARS_PER_USER) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "an account may register at most " + MAX_CARS_PER_USER + " cars; delete one first");
            }
            UUID id;
            try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO cars (user_id, plate, plate_normalized, model, "
                    + "manufacturer, connector_type, battery_capacity_kwh, nickname) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
                ps.setObject(1, owner);
                ps.setString(2, f.plate());
                ps.setString(3, f.plateNormalized());
                ps.setString(4, emptyToNull(f.model()));
                ps.setString(5, emptyToNull(f.manufacturer()));
                ps.setString(6, Cars.stored(f.connectorType()));
                ps.setBigDecimal(7, f.batteryCapacityKwh() == 0 ? null : BigDecimal.valueOf(f.batteryCapacityKwh()));
                ps.setString(8, emptyToNull(f.nickname()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getObject(1, UUID.class);
                }
            } catch (SQLException e) {
                throw Cars.plateTaken(e);
            }
            audit.record(connection, null, null, "car.create", ResourceNames.name(ResourceNames.CARS, id), null,
                    Map.of("plate", f.plateNormalized()));
            notifications.car(connection, NotificationType.NOTIFICATION_TYPE_CAR_ADDED, id);
            return cars.byId(connection, id, false).orElseThrow();
        });
        observer.onNext(Cars.toProto(created));
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void getCar(GetCarRequest request, StreamObserver<Car> observer) {
        UUID id = ResourceNames.parse(request.getName(), "name", ResourceNames.CARS);
        Cars.CarRow car = db.read(connection -> cars.byId(connection, id, false))
                .filter(CarGrpcService::visibleToCaller)
                .orElseThrow(() -> ApiException.notFound(request.getName()));
        observer.onNext(Cars.toProto(car));
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void listCars(ListCarsRequest request, StreamObserver<ListCarsResponse> observer) {
        UUID owner = request.getOwner().isEmpty() ? Principal.require().userId() : userOfName(request.getOwner(), "owner", true);
        int pageSize = PageSizes.of(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        if (request.getPageToken().length() > 512) {
            throw ApiException.invalid("page_token", "is not a token issued by this server");
        }
        String query = "ListCars:" + owner;
        Timestamp afterTime = new Timestamp(0);
        UUID afterId = new UUID(0, 0);
        if (!request.getPageToken().isEmpty()) {
            ByteBuffer position = pageTokens.decode(request.getPageToken(), query);
            if (position.remaining() != 24) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            afterTime = timestampOfMicros(position.getLong());
            afterId = new UUID(position.getLong(), position.getLong());
        }
        Timestamp fromTime = afterTime;
        UUID fromId = afterId;
        List<Cars.CarRow> page = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, "SELECT " + Cars.COLUMNS + " FROM cars "
                    + "WHERE user_id = ? AND deleted_at IS NULL AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?")) {
                ps.setObject(1, owner);
                ps.setTimestamp(2, fromTime);
                ps.setObject(3, fromId);
                ps.setInt(4, pageSize + 1);
                List<Cars.CarRow> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(Cars.row(rs));
                    }
                }
                return rows;
            }
        });
        ListCarsResponse.Builder response = ListCarsResponse.newBuilder();
        for (int i = 0; i < Math.min(pageSize, page.size()); i++) {
            response.addCars(Cars.toProto(page.get(i)));
        }
        if (page.size() > pageSize) {
            Cars.CarRow last = page.get(pageSize - 1);
            response.setNextPageToken(pageTokens.encode(query, ByteBuffer.allocate(24).putLong(micros(last.createdAt()))
                    .putLong(last.id().getMostSignificantBits()).putLong(last.id().getLeastSignificantBits()).array()));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    @Access(Role.USER)
    public void updateCar(UpdateCarRequest request, StreamObserver<Car> observer) {
        UUID id = ResourceNames.parse(request.getCar().getName(), "car.name", ResourceNames.CARS);
        List<String> paths = FieldMasks.paths(request.getUpdateMask(), UPDATABLE, "update_mask");
        Violations v = new Violations();
        Fields f = validate(request.getCar(), Set.copyOf(paths), v);
        v.throwIfAny();
        UUID caller = Principal.require().userId();
        Cars.CarRow updated = db.transaction(connection -> {
            Cars.CarRow current = cars.byId(connection, id, true).filter(car -> car.userId().equals(caller))
                    .orElseThrow(() -> ApiException.notFound(request.getCar().getName()));
            if (paths.contains("plate") && !f.plateNormalized().equals(current.plateNormalized())) {
                // Reservations keep the plate they were booked with, and cameras match it: while any is
                // unfinished the plate stays, so one plate never has two overlapping active windows.
                Reservations.requireNoUnfinished(connection, Reservations.Holder.CAR, id, current.name(), clock.instant(),
                        "the plate cannot be changed", "cancel them or wait until they end");
            }
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE cars SET "
                    + "plate = ?, plate_normalized = ?, model = ?, manufacturer = ?, connector_type = ?, "
                    + "battery_capacity_kwh = ?, nickname = ?, updated_at = now() WHERE id = ?")) {
                boolean plate = paths.contains("plate");
                ps.setString(1, plate ? f.plate() : current.plate());
                ps.setString(2, plate ? f.plateNormalized() : current.plateNormalized());
                ps.setString(3, emptyToNull(paths.contains("model") ? f.model() : current.model()));
                ps.setString(4, emptyToNull(paths.contains("manufacturer") ? f.manufacturer() : current.manufacturer()));
                ps.setString(5, Cars.stored(paths.contains("connector_type") ? f.connectorType() : current.connectorType()));
                double capacity = paths.contains("battery_capacity_kwh") ? f.batteryCapacityKwh() : current.batteryCapacityKwh();
                ps.setBigDecimal(6, capacity == 0 ? null : BigDecimal.valueOf(capacity));
                ps.setString(7, emptyToNull(paths.contains("nickname") ? f.nickname() : current.nickname()));
                ps.setObject(8, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw Cars.plateTaken(e);
            }
            audit.record(connection, null, null, "car.update", current.name(), null, Map.of("fields", String.join(",", paths)));
            notifications.car(connection, NotificationType.NOTIFICATION_TYPE_CAR_UPDATED, id);
            return cars.byId(connection, id, false).orElseThrow();
        });
        observer.onNext(Cars.toProto(updated));
        observer.onCompleted();
    }

    @Override
    @Access(Role.USER)
    public void deleteCar(DeleteCarRequest request, StreamObserver<Empty> observer) {
        UUID id = ResourceNames.parse(request.getName(), "name", ResourceNames.CARS);
        UUID caller = Principal.require().userId();
        Instant now = clock.instant();
        db.transaction(connection -> {
            Cars.CarRow car = cars.byId(connection, id, true).filter(c -> c.userId().equals(caller))
                    .orElseThrow(() -> ApiException.notFound(request.getName()));
            // CreateReservation reads the car FOR KEY SHARE, which this row's FOR UPDATE lock excludes,
            // so no booking slips in between the check and the delete.
            Reservations.requireNoUnfinished(connection, Reservations.Holder.CAR, id, car.name(), now,
                    "the car cannot be deleted", "cancel them first");
            try (PreparedStatement ps = Db.prepare(connection,
                    "UPDATE cars SET deleted_at = now(), updated_at = now() WHERE id = ?")) {
                ps.setObject(1, id);
                ps.executeUpdate();
            }
            audit.record(connection, null, null, "car.delete", car.name(), null, Map.of());
            notifications.car(connection, NotificationType.NOTIFICATION_TYPE_CAR_REMOVED, id);
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    private static boolean visibleToCaller(Cars.CarRow car) {
        Principal caller = Principal.require();
        return caller.isAdmin() || car.userId().equals(caller.userId());
    }

    private static int lockOwnerAndCount(Connection connection, UUID owner) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL FOR UPDATE")) {
            ps.setObject(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.UNAUTHENTICATED, "the account no longer exists");
                }
            }
        }
        try (PreparedStatement ps = Db.prepare(connection, "SELECT count(*) FROM cars WHERE user_id = ? AND deleted_at IS NULL")) {
            ps.setObject(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static Timestamp timestampOfMicros(long micros) {
        return Timestamp.from(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L));
    }
}
