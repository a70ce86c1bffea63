package io.chargebot.sdk;

import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.GetReservationRequest;
import io.chargebot.reservation.v1.ListLotReservationsRequest;
import io.chargebot.reservation.v1.ListLotReservationsResponse;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.reservation.v1.ReservationStatus;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A test double of ReservationService whose answers each test sets; records every request it received. */
final class FakeReservationService extends ReservationServiceGrpc.ReservationServiceImplBase {

    volatile Function<CreateReservationRequest, Reservation> onCreate = r -> Reservation.newBuilder()
            .setName("reservations/new").setCar(r.getCar()).setSpot(r.getSpot()).setLocalDate(r.getLocalDate())
            .setStatus(ReservationStatus.RESERVATION_STATUS_CONFIRMED).build();
    volatile Function<GetReservationRequest, Reservation> onGet = r -> Reservation.newBuilder().setName(r.getName()).build();
    volatile Function<ListReservationsRequest, ListReservationsResponse> onList =
            r -> ListReservationsResponse.getDefaultInstance();
    volatile Function<CancelReservationRequest, Reservation> onCancel = r -> Reservation.newBuilder()
            .setName(r.getName()).setStatus(ReservationStatus.RESERVATION_STATUS_CANCELLED).setCancelReason(r.getReason())
            .build();
    volatile Function<GetAvailabilityRequest, Availability> onAvailability = r -> Availability.newBuilder()
            .setParkingLot(r.getParkingLot()).setLocalDate(r.getLocalDate()).setSlotMinutes(30).build();
    volatile Function<ListLotReservationsRequest, ListLotReservationsResponse> onListLot =
            r -> ListLotReservationsResponse.getDefaultInstance();
    volatile Function<AdminCancelReservationRequest, Reservation> onAdminCancel = r -> Reservation.newBuilder()
            .setName(r.getName()).setStatus(ReservationStatus.RESERVATION_STATUS_CANCELLED).setCancelReason(r.getReason())
            .setCancelledByAdmin(true).build();

    /** Every request, in the order received. */
    final List<Object> requests = new CopyOnWriteArrayList<>();
    /** The CreateReservation requests, in order. */
    final List<CreateReservationRequest> creates = new CopyOnWriteArrayList<>();
    /** The deadline of each CreateReservation call as the server saw it. */
    final List<Deadline> createDeadlines = new CopyOnWriteArrayList<>();

    @Override
    public void createReservation(CreateReservationRequest request, StreamObserver<Reservation> out) {
        requests.add(request);
        creates.add(request);
        createDeadlines.add(Context.current().getDeadline());
        Fakes.answer(onCreate, request, out);
    }

    @Override
    public void getReservation(GetReservationRequest request, StreamObserver<Reservation> out) {
        requests.add(request);
        Fakes.answer(onGet, request, out);
    }

    @Override
    public void listReservations(ListReservationsRequest request, StreamObserver<ListReservationsResponse> out) {
        requests.add(request);
        Fakes.answer(onList, request, out);
    }

    @Override
    public void cancelReservation(CancelReservationRequest request, StreamObserver<Reservation> out) {
        requests.add(request);
        Fakes.answer(onCancel, request, out);
    }

    @Override
    public void getAvailability(GetAvailabilityRequest request, StreamObserver<Availability> out) {
        requests.add(request);
        Fakes.answer(onAvailability, request, out);
    }

    @Override
    public void listLotReservations(ListLotReservationsRequest request, StreamObserver<ListLotReservationsResponse> out) {
        requests.add(request);
        Fakes.answer(onListLot, request, out);
    }

    @Override
    public void adminCancelReservation(AdminCancelReservationRequest request, StreamObserver<Reservation> out) {
        requests.add(request);
        Fakes.answer(onAdminCancel, request, out);
    }

    /** The last request, cast to the type the test expects. */
    @SuppressWarnings("unchecked")
    <T> T last() {
        return (T) requests.get(requests.size() - 1);
    }
}
