package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CarClient against an in-process fake: the requests it builds and the errors it maps. */
class CarClientTest {

    private static final String CAR = "cars/5b0e7a52-3c1d-4f43-9d7e-6a1b2c3d4e5f";
    private static final ConnectorType DC_COMBO1 = ConnectorType.CONNECTOR_TYPE_DC_COMBO1;

    private final FakeCarService service = new FakeCarService();
    private final InProcessFixture fixture = new InProcessFixture(service);
    private final CarClient cars = fixture.client().cars();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void createsACarFromPlateAndConnector() {
        Car car = cars.create("12가 3456", DC_COMBO1);

        CreateCarRequest request = service.last();
        assertThat(request.getCar()).isEqualTo(Car.newBuilder().setPlate("12가 3456").setConnectorType(DC_COMBO1).build());
        assertThat(car.getName()).isEqualTo("cars/new");
    }

    @Test
    void createsACarWithEveryOptionalField() {
        Car wanted = Car.newBuilder().setPlate("123가4567").setConnectorType(ConnectorType.CONNECTOR_TYPE_NACS)
                .setModel("Model 3").setManufacturer("Tesla").setBatteryCapacityKwh(57.5).setNickname("주말용").build();

        cars.create(wanted);

        assertThat(service.<CreateCarRequest>last().getCar()).isEqualTo(wanted);
    }

    @Test
    void theUpdateMaskNamesExactlyTheFieldsThatWereSet() {
        CarUpdate update = CarUpdate.builder(CAR)
                .nickname("출퇴근용")
                .batteryCapacityKwh(0)
                .model("")
                .nickname("출근용")
                .build();

        cars.update(update);

        UpdateCarRequest request = service.last();
        assertThat(request.getUpdateMask().getPathsList()).containsExactly("nickname", "battery_capacity_kwh", "model");
        assertThat(request.getCar()).isEqualTo(Car.newBuilder().setName(CAR).setNickname("출근용").build());
        assertThat(update.fieldPaths()).containsExactly("nickname", "battery_capacity_kwh", "model");
    }

    @Test
    void everyFieldOfTheBuilderHasItsPath() {
        CarUpdate update = CarUpdate.builder(CAR).plate("서울12가3456").model("EV6").manufacturer("Kia")
                .connectorType(ConnectorType.CONNECTOR_TYPE_AC_TYPE1).batteryCapacityKwh(77.4).nickname("n").build();

        cars.update(update);

        UpdateCarRequest request = service.last();
        assertThat(request.getUpdateMask().getPathsList()).containsExactly(
                "plate", "model", "manufacturer", "connector_type", "battery_capacity_kwh", "nickname");
        assertThat(request.getCar().getPlate()).isEqualTo("서울12가3456");
        assertThat(request.getCar().getConnectorType()).isEqualTo(ConnectorType.CONNECTOR_TYPE_AC_TYPE1);
        assertThat(request.getCar().getBatteryCapacityKwh()).isEqualTo(77.4);
    }

    @Test
    void anUpdateWithoutFieldsIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> CarUpdate.builder(CAR).build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cars.update(Car.newBuilder().setName(CAR).build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(service.requests).isEmpty();
    }

    @Test
    void updatesWithExplicitPaths() {
        cars.update(Car.newBuilder().setName(CAR).setNickname("x").build(), "nickname");

        UpdateCarRequest request = service.last();
        assertThat(request.getUpdateMask().getPathsList()).containsExactly("nickname");
    }

    @Test
    void getsAndDeletesByName() {
        assertThat(cars.get(CAR).getName()).isEqualTo(CAR);
        assertThat(service.<GetCarRequest>last().getName()).isEqualTo(CAR);

        cars.delete(CAR);
        assertThat(service.<DeleteCarRequest>last().getName()).isEqualTo(CAR);
    }

    @Test
    void listsPageByPageAndAll() {
        service.onList = request -> {
            int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
            ListCarsResponse.Builder response = ListCarsResponse.newBuilder();
            for (int i = from; i < Math.min(5, from + request.getPageSize()); i++) {
                response.addCars(Car.newBuilder().setName("cars/" + i));
            }
            return response.setNextPageToken(from + request.getPageSize() < 5 ? Integer.toString(from + request.getPageSize()) : "")
                    .build();
        };

        Page<Car> first = cars.list(2);
        assertThat(first.items()).extracting(Car::getName).containsExactly("cars/0", "cars/1");
        assertThat(first.next().items()).extracting(Car::getName).containsExactly("cars/2", "cars/3");
        List<String> all = new ArrayList<>();
        for (Car car : cars.listAll(2)) {
            all.add(car.getName());
        }
        assertThat(all).containsExactly("cars/0", "cars/1", "cars/2", "cars/3", "cars/4");

        Page<Car> ofAnother = cars.list("users/7", 2, "2");
        ListCarsRequest request = service.last();
        assertThat(request.getOwner()).isEqualTo("users/7");
        assertThat(request.getPageSize()).isEqualTo(2);
        assertThat(request.getPageToken()).isEqualTo("2");
        ofAnother.next();
        assertThat(service.<ListCarsRequest>last().getOwner()).as("the next page keeps the owner").isEqualTo("users/7");
    }

    @Test
    void aTakenPlateIsPlateTakenException() {
        service.onCreate = request -> {
            throw RichErrors.error(Status.Code.ALREADY_EXISTS, "a car with this plate is already registered",
                    ErrorInfo.newBuilder().setReason("RESOURCE_EXISTS").setDomain("chargebot.io").build(),
                    BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                            .setField("car.plate").setDescription("is already registered to an active car")).build());
        };

        PlateTakenException e = catchThrowableOfType(PlateTakenException.class,
                () -> cars.create("12가3456", DC_COMBO1));

        assertThat(e).as("RESOURCE_EXISTS on car.plate").isNotNull().isInstanceOf(AlreadyExistsException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.RESOURCE_EXISTS);
        assertThat(e.fieldViolations()).extracting(FieldViolation::field).containsExactly("car.plate");
    }

    @Test
    void resourceExistsOnAnotherFieldStaysAlreadyExists() {
        service.onUpdate = request -> {
            throw RichErrors.error(Status.Code.ALREADY_EXISTS, "exists",
                    ErrorInfo.newBuilder().setReason("RESOURCE_EXISTS").setDomain("chargebot.io").build(),
                    BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                            .setField("car.nickname").setDescription("taken")).build());
        };

        ChargeBotException e = catchThrowableOfType(ChargeBotException.class,
                () -> cars.update(CarUpdate.builder(CAR).nickname("x").build()));

        assertThat(e).isExactlyInstanceOf(AlreadyExistsException.class);
        // And without any field violation, too.
        assertThat(ChargeBotException.from(Fakes.error(Status.Code.ALREADY_EXISTS, "RESOURCE_EXISTS")))
                .isExactlyInstanceOf(AlreadyExistsException.class);
    }

    @Test
    void deletingACarWithUnfinishedReservationsIsFailedPrecondition() {
        service.onDelete = request -> {
            throw RichErrors.error(Status.Code.FAILED_PRECONDITION,
                    "the car has reservations that are not finished; cancel them first: reservations/r1",
                    ErrorInfo.newBuilder().setReason("FAILED_PRECONDITION").setDomain("chargebot.io")
                            .putMetadata("reservations", "reservations/r1").build());
        };

        FailedPreconditionException e = catchThrowableOfType(FailedPreconditionException.class,
                () -> cars.delete(CAR));

        assertThat(e).isExactlyInstanceOf(FailedPreconditionException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.FAILED_PRECONDITION);
        assertThat(e.metadata()).containsEntry("reservations", "reservations/r1");
    }

    @Test
    void anotherUsersCarIsNotFound() {
        service.onGet = request -> {
            throw Fakes.error(Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        };

        assertThatThrownBy(() -> cars.get(CAR)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void nullArgumentsAreRefused() {
        assertThatThrownBy(() -> cars.create(null, DC_COMBO1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cars.create("12가3456", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cars.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cars.delete(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> CarUpdate.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> CarUpdate.builder(CAR).plate(null)).isInstanceOf(NullPointerException.class);
        assertThat(service.requests).isEmpty();
    }
}
