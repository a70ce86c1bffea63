package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.CarServiceGrpc.CarServiceBlockingStub;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The signed-in user's cars. Get it from {@link ChargeBotClient#cars()}; sign in first
 * ({@link ChargeBotClient#auth()}).
 *
 * <pre>{@code
 * Car car = client.cars().create("12가 3456", ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
 * client.cars().update(CarUpdate.builder(car.getName()).nickname("출퇴근용").build());
 * for (Car mine : client.cars().listAll(20)) { ... }
 * }</pre>
 *
 * <p>Calls block: on Android, call them off the main thread. Another user's car is
 * {@link NotFoundException}, exactly like a missing one (admins may read anyone's).
 */
public final class CarClient {

    private final CarServiceBlockingStub stub;

    CarClient(CarServiceBlockingStub stub) {
        this.stub = requireNonNull(stub, "stub");
    }

    static CarClient create(io.grpc.Channel channel) {
        return new CarClient(CarServiceGrpc.newBlockingStub(channel));
    }

    /**
     * Registers a car with just its plate and connector type.
     *
     * @param plate Korean licence plate as entered, e.g. "12가 3456", "123가4567" or "서울12가3456"
     * @param connectorType the car's charging inlet
     * @return the car, with its {@linkplain Car#getName() name} and {@linkplain Car#getNormalizedPlate() normalised plate}
     * @throws PlateTakenException if another active car has the plate
     * @throws InvalidArgumentException if the plate is not a Korean plate or the connector type is unspecified
     * @throws FailedPreconditionException if the account already has the maximum number of cars
     */
    public Car create(String plate, ConnectorType connectorType) {
        return create(Car.newBuilder()
                .setPlate(requireNonNull(plate, "plate"))
                .setConnectorType(requireNonNull(connectorType, "connectorType"))
                .build());
    }

    /**
     * Registers a car with any of its writable fields, e.g.
     * {@code create(Car.newBuilder().setPlate("12가3456").setConnectorType(DC_COMBO1).setModel("IONIQ 5").setNickname("출퇴근용").build())}.
     * Name, owner and output-only fields are ignored.
     *
     * @throws PlateTakenException if another active car has the plate
     * @throws InvalidArgumentException if a field is missing or malformed (see its {@code fieldViolations()})
     */
    public Car create(Car car) {
        requireNonNull(car, "car");
        try {
            return stub.createCar(CreateCarRequest.newBuilder().setCar(car).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Gets one of the caller's cars (an admin: anyone's).
     *
     * @param name resource name of the car, {@code "cars/{id}"}
     * @throws NotFoundException if there is no such car or it is another user's
     */
    public Car get(String name) {
        requireNonNull(name, "name");
        try {
            return stub.getCar(GetCarRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Lists the caller's cars, oldest first.
     *
     * @param pageSize maximum cars in the page, 0..100 (0 means 20)
     */
    public Page<Car> list(int pageSize) {
        return list("", pageSize, "");
    }

    /**
     * Lists one page of a user's cars, oldest first.
     *
     * @param owner whose cars, {@code "users/{id}"} (another user's: admins only), or {@code ""} for the caller's
     * @param pageSize maximum cars in the page, 0..100 (0 means 20)
     * @param pageToken {@link Page#nextPageToken()} of the previous page (with the same other
     *     arguments), or {@code ""} for the first page
     */
    public Page<Car> list(final String owner, final int pageSize, String pageToken) {
        requireNonNull(owner, "owner");
        requireNonNull(pageToken, "pageToken");
        ListCarsResponse response;
        try {
            response = stub.listCars(ListCarsRequest.newBuilder()
                    .setOwner(owner).setPageSize(pageSize).setPageToken(pageToken).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
        return new Page<>(response.getCarsList(), response.getNextPageToken(), new Page.Fetcher<Car>() {
            @Override
            public Page<Car> fetch(String nextPageToken) {
                return list(owner, pageSize, nextPageToken);
            }
        });
    }

    /**
     * All the caller's cars, oldest first, fetched page by page as the iteration goes. Nothing is
     * fetched until an iteration starts; each iteration starts over.
     *
     * @param pageSize cars per request, 0..100 (0 means 20)
     */
    public Iterable<Car> listAll(final int pageSize) {
        return new Iterable<Car>() {
            @Override
            public Iterator<Car> iterator() {
                return list(pageSize).iterateAll().iterator();
            }
        };
    }

    /**
     * Changes the fields set on the {@link CarUpdate}; the update mask names exactly those.
     *
     * @return the updated car
     * @throws PlateTakenException if the new plate belongs to another active car
     * @throws NotFoundException if there is no such car or it is another user's
     */
    public Car update(CarUpdate update) {
        requireNonNull(update, "update");
        return send(update.car(), update.fieldPaths().toArray(new String[0]));
    }

    /**
     * Changes the fields of a car named by {@code fieldPaths}, e.g.
     * {@code update(car.toBuilder().setNickname("주말용").build(), "nickname")}.
     *
     * @param withChanges the car with its name set and the new values
     * @param fieldPaths the fields to update: plate, model, manufacturer, connector_type,
     *     battery_capacity_kwh, nickname
     * @throws IllegalArgumentException if no field path is given
     */
    public Car update(Car withChanges, String... fieldPaths) {
        requireNonNull(withChanges, "withChanges");
        requireNonNull(fieldPaths, "fieldPaths");
        if (fieldPaths.length == 0) {
            throw new IllegalArgumentException("fieldPaths is empty: name the fields to update, e.g. \"nickname\"");
        }
        return send(withChanges, fieldPaths);
    }

    private Car send(Car car, String[] fieldPaths) {
        try {
            return stub.updateCar(UpdateCarRequest.newBuilder()
                    .setCar(car)
                    .setUpdateMask(FieldMask.newBuilder().addAllPaths(Arrays.asList(fieldPaths)))
                    .build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }

    /**
     * Deletes one of the caller's cars.
     *
     * @param name resource name of the car, {@code "cars/{id}"}
     * @throws FailedPreconditionException if the car has reservations that are not finished (confirmed
     *     or in progress); its {@code metadata().get("reservations")} names them: cancel them first
     * @throws NotFoundException if there is no such car or it is another user's
     */
    public void delete(String name) {
        requireNonNull(name, "name");
        try {
            stub.deleteCar(DeleteCarRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.map(e);
        }
    }
}
