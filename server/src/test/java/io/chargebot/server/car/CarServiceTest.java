package io.chargebot.server.car;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.failure;
import static io.chargebot.server.auth.AuthTestClient.fields;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.testing.ParkingFixtures;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CarService (seed 000 Car_Info) through real gRPC on PostgreSQL. */
class CarServiceTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static final AtomicInteger USERS = new AtomicInteger();
    private static final AtomicInteger PLATES = new AtomicInteger(1000);
    private static AuthTestClient t;
    private static CarServiceGrpc.CarServiceBlockingStub anonymous;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        t = new AuthTestClient(properties);
        anonymous = CarServiceGrpc.newBlockingStub(t.channel);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static CarServiceGrpc.CarServiceBlockingStub newUser() {
        AuthTokens tokens = t.signUp("car-owner-" + USERS.incrementAndGet(), "the right passphrase");
        return withToken(anonymous, tokens.getAccessToken());
    }

    private static String freshPlate() {
        return "12가" + PLATES.incrementAndGet();
    }

    private static Car.Builder car(String plate) {
        return Car.newBuilder().setPlate(plate).setModel("IONIQ 5").setManufacturer("Hyundai")
                .setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1).setBatteryCapacityKwh(77.4).setNickname("출퇴근용");
    }

    private static Car create(CarServiceGrpc.CarServiceBlockingStub as, Car.Builder car) {
        return as.createCar(CreateCarRequest.newBuilder().setCar(car).build());
    }

    @Test
    void createGetUpdateListDelete() {
        CarServiceGrpc.CarServiceBlockingStub owner = newUser();
        Car created = create(owner, car("서울 12 가 3456"));
        assertThat(created.getName()).matches("cars/[0-9a-f-]{36}");
        assertThat(created.getOwner()).startsWith("users/");
        assertThat(created.getPlate()).isEqualTo("서울 12 가 3456");
        assertThat(created.getNormalizedPlate()).isEqualTo("서울12가3456");
        assertThat(created.getBatteryCapacityKwh()).isEqualTo(77.4);
        assertThat(created.getConnectorType()).isEqualTo(ConnectorType.CONNECTOR_TYPE_DC_COMBO1);
        assertThat(created.hasCreateTime()).isTrue();

        assertThat(owner.getCar(GetCarRequest.newBuilder().setName(created.getName()).build())).isEqualTo(created);

        Car updated = owner.updateCar(UpdateCarRequest.newBuilder()
                .setCar(Car.newBuilder().setName(created.getName()).setNickname("주말용").setModel("IGNORED")
                        .setPlate("１２３가４５６７"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("nickname").addPaths("plate")).build());
        assertThat(updated.getNickname()).isEqualTo("주말용");
        assertThat(updated.getModel()).isEqualTo("IONIQ 5");
        assertThat(updated.getNormalizedPlate()).isEqualTo("123가4567");
        assertThat(updated.getManufacturer()).isEqualTo("Hyundai");

        ListCarsResponse list = owner.listCars(ListCarsRequest.getDefaultInstance());
        assertThat(list.getCarsList()).containsExactly(updated);
        assertThat(list.getNextPageToken()).isEmpty();

        owner.deleteCar(DeleteCarRequest.newBuilder().setName(created.getName()).build());
        assertFails(() -> owner.getCar(GetCarRequest.newBuilder().setName(created.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertThat(owner.listCars(ListCarsRequest.getDefaultInstance()).getCarsList()).isEmpty();
        // The plate is free again once the car is deleted.
        assertThat(create(newUser(), car("123가 4567")).getNormalizedPlate()).isEqualTo("123가4567");
    }

    @Test
    void aPlateBelongsToOneActiveCarInWhateverFormItIsWritten() {
        String plate = freshPlate();
        create(newUser(), car(plate));
        CarServiceGrpc.CarServiceBlockingStub other = newUser();
        String spaced = plate.substring(0, 2) + " " + plate.charAt(2) + "-" + plate.substring(3);
        StatusRuntimeException e = failure(() -> create(other, car(spaced)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(AuthTestClient.reason(e)).isEqualTo("RESOURCE_EXISTS");
        assertThat(fields(e)).containsExactly("car.plate");
        // Renaming a car onto a taken plate fails the same way and changes nothing.
        Car mine = create(other, car(freshPlate()));
        assertFails(() -> other.updateCar(UpdateCarRequest.newBuilder()
                .setCar(Car.newBuilder().setName(mine.getName()).setPlate(plate))
                .setUpdateMask(FieldMask.newBuilder().addPaths("plate")).build()), Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS");
        assertThat(other.getCar(GetCarRequest.newBuilder().setName(mine.getName()).build())).isEqualTo(mine);
    }

    @Test
    void badInputNamesEveryField() {
        CarServiceGrpc.CarServiceBlockingStub owner = newUser();
        StatusRuntimeException e = failure(() -> create(owner, Car.newBuilder().setPlate("ABC-123").setModel("m".repeat(51))
                .setManufacturer("x".repeat(51)).setNickname("n".repeat(31)).setBatteryCapacityKwh(0.5)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(fields(e)).containsExactlyInAnyOrder("car.plate", "car.model", "car.manufacturer", "car.nickname",
                "car.connector_type", "car.battery_capacity_kwh");
        assertInvalid(() -> owner.createCar(CreateCarRequest.getDefaultInstance()), "car");
        assertInvalid(() -> create(owner, car("").setPlate("")), "car.plate");
        assertInvalid(() -> create(owner, car("12가 3456 12가 3456")), "car.plate");
        assertInvalid(() -> create(owner, car(freshPlate()).setBatteryCapacityKwh(Double.NaN)), "car.battery_capacity_kwh");
        assertInvalid(() -> create(owner, car(freshPlate()).setBatteryCapacityKwh(301)), "car.battery_capacity_kwh");
        assertInvalid(() -> create(owner, car(freshPlate()).setConnectorTypeValue(99)), "car.connector_type");
        assertThat(owner.listCars(ListCarsRequest.getDefaultInstance()).getCarsList()).as("nothing was created").isEmpty();

        Car mine = create(owner, car(freshPlate()));
        assertInvalid(() -> owner.getCar(GetCarRequest.getDefaultInstance()), "name");
        assertInvalid(() -> owner.getCar(GetCarRequest.newBuilder().setName("cars/not-a-uuid").build()), "name");
        assertInvalid(() -> owner.getCar(GetCarRequest.newBuilder().setName("parkingLots/" + mine.getName().substring(5)).build()), "name");
        assertInvalid(() -> owner.deleteCar(DeleteCarRequest.newBuilder().setName("cars/1-1-1-1-1").build()), "name");
        assertInvalid(() -> owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName()))
                .build()), "update_mask");
        assertInvalid(() -> owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("owner")).build()), "update_mask");
        assertInvalid(() -> owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("plate")).build()), "car.plate");
        assertInvalid(() -> owner.listCars(ListCarsRequest.newBuilder().setPageSize(-1).build()), "page_size");
        assertInvalid(() -> owner.listCars(ListCarsRequest.newBuilder().setPageSize(101).build()), "page_size");
        assertInvalid(() -> owner.listCars(ListCarsRequest.newBuilder().setPageToken("forged").build()), "page_token");
        assertInvalid(() -> owner.listCars(ListCarsRequest.newBuilder().setOwner("people/1").build()), "owner");
        assertThat(owner.getCar(GetCarRequest.newBuilder().setName(mine.getName()).build())).isEqualTo(mine);
    }

    @Test
    void anotherUsersCarLooksMissingAndAdminsMayOnlyRead() {
        CarServiceGrpc.CarServiceBlockingStub owner = newUser();
        Car mine = create(owner, car(freshPlate()));
        CarServiceGrpc.CarServiceBlockingStub stranger = newUser();
        GetCarRequest get = GetCarRequest.newBuilder().setName(mine.getName()).build();
        assertFails(() -> stranger.getCar(get), Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> stranger.getCar(GetCarRequest.newBuilder().setName("cars/" + java.util.UUID.randomUUID()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> stranger.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName())
                .setNickname("mine now")).setUpdateMask(FieldMask.newBuilder().addPaths("nickname")).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> stranger.deleteCar(DeleteCarRequest.newBuilder().setName(mine.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertFails(() -> stranger.listCars(ListCarsRequest.newBuilder().setOwner(mine.getOwner()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertThat(owner.getCar(get)).isEqualTo(mine);

        CarServiceGrpc.CarServiceBlockingStub admin = withToken(anonymous, t.signIn("admin", ADMIN_PASSWORD).getAccessToken());
        assertThat(admin.getCar(get)).isEqualTo(mine);
        assertThat(admin.listCars(ListCarsRequest.newBuilder().setOwner(mine.getOwner()).build()).getCarsList())
                .containsExactly(mine);
        assertFails(() -> create(admin, car(freshPlate())), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        assertFails(() -> admin.deleteCar(DeleteCarRequest.newBuilder().setName(mine.getName()).build()),
                Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");

        for (Runnable call : new Runnable[] {
                () -> create(anonymous, car(freshPlate())),
                () -> anonymous.getCar(get),
                () -> anonymous.listCars(ListCarsRequest.getDefaultInstance()),
                () -> anonymous.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName()))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("nickname")).build()),
                () -> anonymous.deleteCar(DeleteCarRequest.newBuilder().setName(mine.getName()).build())}) {
            assertFails(call, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        }
    }

    @Test
    void listPagesThroughEveryCarOnceOldestFirst() {
        CarServiceGrpc.CarServiceBlockingStub owner = newUser();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(create(owner, car(freshPlate())).getName());
        }
        List<String> listed = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListCarsResponse page = owner.listCars(ListCarsRequest.newBuilder().setPageSize(3).setPageToken(token).build());
            page.getCarsList().forEach(c -> listed.add(c.getName()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(listed).containsExactlyElementsOf(created);
        assertThat(pages).isEqualTo(3);
        // A token is bound to the list it came from.
        String firstToken = owner.listCars(ListCarsRequest.newBuilder().setPageSize(3).build()).getNextPageToken();
        CarServiceGrpc.CarServiceBlockingStub other = newUser();
        assertInvalid(() -> other.listCars(ListCarsRequest.newBuilder().setPageToken(firstToken).build()), "page_token");
    }

    @Test
    void aCarWithUnfinishedReservationsCannotBeDeleted() {
        CarServiceGrpc.CarServiceBlockingStub owner = newUser();
        Car mine = create(owner, car(freshPlate()));
        ParkingFixtures.TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        String carId = mine.getName().substring("cars/".length());
        String userId = mine.getOwner().substring("users/".length());
        ParkingFixtures.execute(t.database, "INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period) "
                + "VALUES ('" + userId + "', '" + carId + "', '" + lot.spots().get(0) + "', '" + lot.id() + "', '"
                + mine.getNormalizedPlate() + "', tstzrange(now() + interval '1 day', now() + interval '25 hours'))");
        StatusRuntimeException e = failure(() -> owner.deleteCar(DeleteCarRequest.newBuilder().setName(mine.getName()).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).contains("reservations/");
        assertThat(AuthTestClient.details(e, com.google.rpc.PreconditionFailure.class).get(0).getViolations(0).getSubject())
                .startsWith("reservations/");
        assertThat(owner.getCar(GetCarRequest.newBuilder().setName(mine.getName()).build())).isEqualTo(mine);
        // Nor can its plate change while a reservation made with it is unfinished; other fields can.
        assertFails(() -> owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName())
                .setPlate(freshPlate())).setUpdateMask(FieldMask.newBuilder().addPaths("plate")).build()),
                Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");
        assertThat(owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName())
                .setNickname("still mine")).setUpdateMask(FieldMask.newBuilder().addPaths("nickname")).build())
                .getNickname()).isEqualTo("still mine");

        // Once cancelled, the reservation no longer holds the car or its plate.
        ParkingFixtures.execute(t.database, "UPDATE reservations SET status = 'CANCELLED' WHERE car_id = '" + carId + "'");
        assertThat(owner.updateCar(UpdateCarRequest.newBuilder().setCar(Car.newBuilder().setName(mine.getName())
                .setPlate("서울98바7654")).setUpdateMask(FieldMask.newBuilder().addPaths("plate")).build())
                .getNormalizedPlate()).isEqualTo("서울98바7654");
        owner.deleteCar(DeleteCarRequest.newBuilder().setName(mine.getName()).build());
        assertFails(() -> owner.getCar(GetCarRequest.newBuilder().setName(mine.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }
}
