package io.chargebot.sdk;

import com.google.protobuf.Empty;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.CreateSpotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.parking.v1.Spot;
import io.chargebot.parking.v1.UpdateParkingLotRequest;
import io.chargebot.parking.v1.UpdateSpotRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A test double of the parking service whose answers each test sets; records what it received. */
final class FakeParkingService extends ParkingServiceGrpc.ParkingServiceImplBase {

    volatile Function<ListParkingLotsRequest, ListParkingLotsResponse> onList =
            request -> ListParkingLotsResponse.getDefaultInstance();
    volatile Function<GetParkingLotRequest, ParkingLot> onGet =
            request -> ParkingLot.newBuilder().setName(request.getName()).build();
    volatile Function<CreateSpotRequest, Spot> onCreateSpot = request -> request.getSpot();
    volatile Function<CreateParkingLotRequest, ParkingLot> onCreateLot =
            request -> request.getParkingLot().toBuilder().setName("parkingLots/new").build();
    volatile Function<UpdateParkingLotRequest, ParkingLot> onUpdateLot = request -> request.getParkingLot();
    volatile Function<UpdateSpotRequest, Spot> onUpdateSpot = request -> request.getSpot();
    volatile Function<DeleteSpotRequest, Empty> onDeleteSpot = request -> Empty.getDefaultInstance();
    /** The admin requests (create/update lot, create/update/delete spot), in order. */
    final List<Object> adminRequests = new CopyOnWriteArrayList<>();

    final List<ListParkingLotsRequest> listRequests = new CopyOnWriteArrayList<>();
    final AtomicInteger getCalls = new AtomicInteger();
    final AtomicInteger createSpotCalls = new AtomicInteger();
    /** The deadline of the last call as the server saw it, or null. */
    volatile Deadline lastDeadline;

    @Override
    public void listParkingLots(ListParkingLotsRequest request, StreamObserver<ListParkingLotsResponse> out) {
        listRequests.add(request);
        answer(onList, request, out);
    }

    @Override
    public void getParkingLot(GetParkingLotRequest request, StreamObserver<ParkingLot> out) {
        getCalls.incrementAndGet();
        answer(onGet, request, out);
    }

    @Override
    public void createSpot(CreateSpotRequest request, StreamObserver<Spot> out) {
        createSpotCalls.incrementAndGet();
        adminRequests.add(request);
        answer(onCreateSpot, request, out);
    }

    @Override
    public void createParkingLot(CreateParkingLotRequest request, StreamObserver<ParkingLot> out) {
        adminRequests.add(request);
        answer(onCreateLot, request, out);
    }

    @Override
    public void updateParkingLot(UpdateParkingLotRequest request, StreamObserver<ParkingLot> out) {
        adminRequests.add(request);
        answer(onUpdateLot, request, out);
    }

    @Override
    public void updateSpot(UpdateSpotRequest request, StreamObserver<Spot> out) {
        adminRequests.add(request);
        answer(onUpdateSpot, request, out);
    }

    @Override
    public void deleteSpot(DeleteSpotRequest request, StreamObserver<Empty> out) {
        adminRequests.add(request);
        answer(onDeleteSpot, request, out);
    }

    private <Q, R> void answer(Function<Q, R> handler, Q request, StreamObserver<R> out) {
        lastDeadline = Context.current().getDeadline();
        R response;
        try {
            response = handler.apply(request);
        } catch (RuntimeException e) {
            out.onError(e instanceof io.grpc.StatusRuntimeException ? e : Status.INTERNAL.withCause(e).asRuntimeException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
