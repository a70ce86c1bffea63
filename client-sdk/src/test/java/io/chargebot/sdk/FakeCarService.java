package io.chargebot.sdk;

import com.google.protobuf.Empty;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.DeleteCarRequest;
import io.chargebot.car.v1.GetCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A test double of CarService whose answers each test sets; records every request it received. */
final class FakeCarService extends CarServiceGrpc.CarServiceImplBase {

    volatile Function<CreateCarRequest, Car> onCreate =
            r -> r.getCar().toBuilder().setName("cars/new").setOwner("users/42").build();
    volatile Function<GetCarRequest, Car> onGet = r -> Car.newBuilder().setName(r.getName()).build();
    volatile Function<ListCarsRequest, ListCarsResponse> onList = r -> ListCarsResponse.getDefaultInstance();
    volatile Function<UpdateCarRequest, Car> onUpdate = r -> r.getCar();
    volatile Function<DeleteCarRequest, Empty> onDelete = r -> Empty.getDefaultInstance();

    /** Every request, in the order received. */
    final List<Object> requests = new CopyOnWriteArrayList<>();

    @Override
    public void createCar(CreateCarRequest request, StreamObserver<Car> out) {
        requests.add(request);
        Fakes.answer(onCreate, request, out);
    }

    @Override
    public void getCar(GetCarRequest request, StreamObserver<Car> out) {
        requests.add(request);
        Fakes.answer(onGet, request, out);
    }

    @Override
    public void listCars(ListCarsRequest request, StreamObserver<ListCarsResponse> out) {
        requests.add(request);
        Fakes.answer(onList, request, out);
    }

    @Override
    public void updateCar(UpdateCarRequest request, StreamObserver<Car> out) {
        requests.add(request);
        Fakes.answer(onUpdate, request, out);
    }

    @Override
    public void deleteCar(DeleteCarRequest request, StreamObserver<Empty> out) {
        requests.add(request);
        Fakes.answer(onDelete, request, out);
    }

    /** The last request, cast to the type the test expects. */
    @SuppressWarnings("unchecked")
    <T> T last() {
        return (T) requests.get(requests.size() - 1);
    }
}
