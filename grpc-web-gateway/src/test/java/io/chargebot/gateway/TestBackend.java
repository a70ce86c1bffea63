package io.chargebot.gateway;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.type.LatLng;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.car.v1.ListCarsRequest;
import io.chargebot.car.v1.ListCarsResponse;
import io.chargebot.car.v1.UpdateCarRequest;
import io.chargebot.parking.v1.CreateParkingLotRequest;
import io.chargebot.parking.v1.DeleteSpotRequest;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.ConflictScope;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.robot.v1.BridgeWelcome;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the ChargeBot gRPC server: a real grpc-java server on an ephemeral port whose ParkingService,
 * RobotService, CarService and ReservationService return canned replies or errors and record the metadata and
 * deadline of the last call (and, for the latter two and the parking admin calls, its request).
 */
final class TestBackend implements AutoCloseable {

    static final String INVALID_LOT = "parkingLots/invalid";
    static final String SLOW_LOT = "parkingLots/slow";
    /** WatchRobotStates for this lot streams {@link #MANY_UPDATES} changes after the snapshot. */
    static final String BUSY_LOT = "parkingLots/busy";
    /** WatchRobotStates for this lot sends the snapshot and then nothing, until cancelled. */
    static final String QUIET_LOT = "parkingLots/quiet";
    static final int MANY_UPDATES = 2000;

    static final Metadata.Key<String> BACKEND_HEADER =
            Metadata.Key.of("x-backend-header", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> BACKEND_TRAILER =
            Metadata.Key.of("x-backend-trailer", Metadata.ASCII_STRING_MARSHALLER);

    /** The rich error the backend returns for {@link #INVALID_LOT}. */
    static final com.google.rpc.Status INVALID_ARGUMENT_STATUS =
            com.google.rpc.Status.newBuilder()
                                 .setCode(Code.INVALID_ARGUMENT_VALUE)
                                 .setMessage("name is malformed")
                                 .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                               .setReason("VALIDATION_FAILED")
                                                               .setDomain(ChargeBotApis.ERROR_DOMAIN)
                                                               .putMetadata("field", "name")
                                                               .build()))
                                 .addDetails(Any.pack(BadRequest.newBuilder()
                                                                .addFieldViolations(
                                                                        BadRequest.FieldViolation.newBuilder()
                                                                                .setField("name")
                                                                                .setDescription("must be parkingLots/{uuid}"))
                                                                .build()))
                                 .build();

    /** CreateReservation for this spot fails with RESERVATION_CONFLICT ({@link #CONFLICT_STATUS}). */
    static final String TAKEN_SPOT = "parkingLots/busy/spots/taken";

    /** The overlapping window the backend reports for {@link #TAKEN_SPOT}. */
    static final ReservationConflict CONFLICT = ReservationConflict.newBuilder()
                                                                   .setScope(ConflictScope.CONFLICT_SCOPE_SPOT)
                                                                   .setStartTime(Timestamp.newBuilder()
                                                                                          .setSeconds(1_900_000_800L))
                                                                   .setEndTime(Timestamp.newBuilder()
                                                                                        .setSeconds(1_900_004_400L))
                                                                   .build();

    /** The rich error the backend returns for a booking of {@link #TAKEN_SPOT}, as the real server builds it. */
    static final com.google.rpc.Status CONFLICT_STATUS =
            com.google.rpc.Status.newBuilder()
                                 .setCode(Code.ALREADY_EXISTS_VALUE)
                                 .setMessage("the window overlaps an active reservation of this spot")
                                 .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                               .setReason("RESERVATION_CONFLICT")
                                                               .setDomain(ChargeBotApis.ERROR_DOMAIN)
                                                               .build()))
                                 .addDetails(Any.pack(CONFLICT))
                                 .build();

    /** DeleteSpot of this spot fails with FAILED_PRECONDITION ({@link #SPOT_IN_USE_STATUS}). */
    static final String SPOT_IN_USE = "parkingLots/p1/spots/in-use";

    /** The rich error the backend returns for {@link #SPOT_IN_USE}, as the real server builds it. */
    static final com.google.rpc.Status SPOT_IN_USE_STATUS =
            com.google.rpc.Status.newBuilder()
                                 .setCode(Code.FAILED_PRECONDITION_VALUE)
                                 .setMessage(SPOT_IN_USE + " has 1 upcoming reservation (reservations/r1)")
                                 .addDetails(Any.pack(ErrorInfo.newBuilder()
                                                               .setReason("FAILED_PRECONDITION")
                                                               .setDomain(ChargeBotApis.ERROR_DOMAIN)
                                                               .putMetadata("reservations", "reservations/r1")
                                                               .build()))
                                 .addDetails(Any.pack(PreconditionFailure.newBuilder()
                                                                         .addViolations(
                                                                                 PreconditionFailure.Violation
                                                                                         .newBuilder()
                                                                                         .setType("UPCOMING_RESERVATION")
                                                                                         .setSubject("reservations/r1"))
                                                                         .build()))
                                 .build();

    private final Server server;
    /** The request of the last Car, Reservation or parking admin call. */
    volatile Message lastRequest;
    volatile Metadata lastHeaders;
    volatile ListParkingLotsRequest lastListRequest;
    volatile Deadline lastDeadline;
    volatile CountDownLatch slowCallStarted = new CountDownLatch(1);
    volatile CountDownLatch slowCallCancelled = new CountDownLatch(1);

    /** The same services for a caller in this process, as the ChargeBot server offers a co-located gateway. */
    private final Server inProcessServer;
    private final ManagedChannel inProcessChannel;

    TestBackend() throws IOException {
        server = withServices(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).build().start();
        final String name = "test-backend-" + UUID.randomUUID();
        inProcessServer = withServices(InProcessServerBuilder.forName(name)).build().start();
        inProcessChannel = InProcessChannelBuilder.forName(name).userAgent(GrpcWebGateway.USER_AGENT)
                                                  .directExecutor().build();
    }

    private ServerBuilder<?> withServices(ServerBuilder<?> builder) {
        return builder.addService(ServerInterceptors.intercept(new ParkingService(), new Recorder()))
                      .addService(ServerInterceptors.intercept(new RobotService(), new Recorder()))
                      .addService(ServerInterceptors.intercept(new CarService(), new Recorder()))
                      .addService(ServerInterceptors.intercept(new ReservationService(), new Recorder()));
    }

    /** A channel to the in-process copy of the services (same recorded state as the network ones). */
    ManagedChannel inProcessChannel() {
        return inProcessChannel;
    }

    int port() {
        return server.getPort();
    }

    String target() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() throws InterruptedException {
        inProcessChannel.shutdownNow();
        inProcessServer.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        inProcessServer.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Records the metadata and deadline; adds a response header and trailer to check they are relayed. */
    private final class Recorder implements ServerInterceptor {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            lastHeaders = headers;
            lastDeadline = Context.current().getDeadline();
            final ServerCall<ReqT, RespT> decorated = new SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.put(BACKEND_HEADER, "from-backend");
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(BACKEND_TRAILER, "bye");
                    super.close(status, trailers);
                }
            };
            return Contexts.interceptCall(Context.current(), decorated, headers, next);
        }
    }

    private final class ParkingService extends ParkingServiceGrpc.ParkingServiceImplBase {

        @Override
        public void getParkingLot(GetParkingLotRequest request, StreamObserver<ParkingLot> responseObserver) {
            switch (request.getName()) {
                case INVALID_LOT:
                    responseObserver.onError(StatusProto.toStatusRuntimeException(INVALID_ARGUMENT_STATUS));
                    return;
                case SLOW_LOT:
                    // Never answers; records when the gateway cancels the call.
                    final CountDownLatch cancelled = slowCallCancelled;
                    Context.current().addListener(ctx -> cancelled.countDown(), Runnable::run);
                    slowCallStarted.countDown();
                    return;
                default:
                    responseObserver.onNext(lot(request.getName()));
                    responseObserver.onCompleted();
            }
        }

        @Override
        public void listParkingLots(ListParkingLotsRequest request,
                                    StreamObserver<ListParkingLotsResponse> responseObserver) {
            lastListRequest = request;
            // A place query "resolves" to Seoul Station.
            final LatLng origin = request.hasLocation() ? request.getLocation()
                                                        : LatLng.newBuilder().setLatitude(37.5547)
                                                                .setLongitude(126.9707).build();
            responseObserver.onNext(ListParkingLotsResponse.newBuilder()
                                                           .setOrigin(origin)
                                                           .addParkingLots(lot("parkingLots/near"))
                                                           .setNextPageToken("next")
                                                           .build());
            responseObserver.onCompleted();
        }

        @Override
        public void createParkingLot(CreateParkingLotRequest request, StreamObserver<ParkingLot> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(request.getParkingLot().toBuilder().setName("parkingLots/created").build());
            responseObserver.onCompleted();
        }

        @Override
        public void deleteSpot(DeleteSpotRequest request, StreamObserver<Empty> responseObserver) {
            lastRequest = request;
            if (SPOT_IN_USE.equals(request.getName())) {
                responseObserver.onError(StatusProto.toStatusRuntimeException(SPOT_IN_USE_STATUS));
                return;
            }
            responseObserver.onNext(Empty.getDefaultInstance());
            responseObserver.onCompleted();
        }
    }

    private final class CarService extends CarServiceGrpc.CarServiceImplBase {

        @Override
        public void createCar(CreateCarRequest request, StreamObserver<Car> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(request.getCar().toBuilder()
                                           .setName("cars/c1")
                                           .setOwner("users/u1")
                                           .setNormalizedPlate(request.getCar().getPlate().replace(" ", ""))
                                           .build());
            responseObserver.onCompleted();
        }

        @Override
        public void listCars(ListCarsRequest request, StreamObserver<ListCarsResponse> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(ListCarsResponse.newBuilder()
                                                    .addCars(Car.newBuilder().setName("cars/c1").setPlate("12가3456"))
                                                    .build());
            responseObserver.onCompleted();
        }

        @Override
        public void updateCar(UpdateCarRequest request, StreamObserver<Car> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(request.getCar());
            responseObserver.onCompleted();
        }
    }

    private final class ReservationService extends ReservationServiceGrpc.ReservationServiceImplBase {

        @Override
        public void createReservation(CreateReservationRequest request,
                                      StreamObserver<Reservation> responseObserver) {
            lastRequest = request;
            if (TAKEN_SPOT.equals(request.getSpot())) {
                responseObserver.onError(StatusProto.toStatusRuntimeException(CONFLICT_STATUS));
                return;
            }
            responseObserver.onNext(reservation("reservations/r1").toBuilder()
                                                                  .setCar(request.getCar())
                                                                  .setSpot(request.getSpot())
                                                                  .setLocalDate(request.getLocalDate())
                                                                  .setLocalStartTime(request.getLocalStartTime())
                                                                  .build());
            responseObserver.onCompleted();
        }

        @Override
        public void listReservations(ListReservationsRequest request,
                                     StreamObserver<ListReservationsResponse> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(ListReservationsResponse.newBuilder()
                                                            .addReservations(reservation("reservations/r1"))
                                                            .setNextPageToken("next")
                                                            .build());
            responseObserver.onCompleted();
        }

        @Override
        public void cancelReservation(CancelReservationRequest request,
                                      StreamObserver<Reservation> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(reservation(request.getName()).toBuilder()
                                                                  .setStatus(ReservationStatus.RESERVATION_STATUS_CANCELLED)
                                                                  .setCancelReason(request.getReason())
                                                                  .build());
            responseObserver.onCompleted();
        }

        @Override
        public void getAvailability(GetAvailabilityRequest request, StreamObserver<Availability> responseObserver) {
            lastRequest = request;
            responseObserver.onNext(Availability.newBuilder()
                                                .setParkingLot(request.getParkingLot())
                                                .setLocalDate(request.getLocalDate())
                                                .setTimeZone("Asia/Seoul")
                                                .setSlotMinutes(30)
                                                .build());
            responseObserver.onCompleted();
        }
    }

    static Reservation reservation(String name) {
        return Reservation.newBuilder()
                          .setName(name)
                          .setUser("users/u1")
                          .setCar("cars/c1")
                          .setSpot("parkingLots/p1/spots/s1")
                          .setParkingLot("parkingLots/p1")
                          .setTimeZone("Asia/Seoul")
                          .setStatus(ReservationStatus.RESERVATION_STATUS_CONFIRMED)
                          .build();
    }

    private final class RobotService extends RobotServiceGrpc.RobotServiceImplBase {

        @Override
        public void watchRobotStates(WatchRobotStatesRequest request,
                                     StreamObserver<WatchRobotStatesResponse> responseObserver) {
            responseObserver.onNext(WatchRobotStatesResponse.newBuilder()
                                                            .setInitial(true)
                                                            .addRobots(robot("r1", RobotState.ROBOT_STATE_IDLE, 0))
                                                            .addRobots(robot("r2", RobotState.ROBOT_STATE_IDLE, 0))
                                                            .build());
            if (QUIET_LOT.equals(request.getParkingLot())) {
                final CountDownLatch cancelled = slowCallCancelled;
                Context.current().addListener(ctx -> cancelled.countDown(), Runnable::run);
                slowCallStarted.countDown();
                return;
            }
            final int updates = BUSY_LOT.equals(request.getParkingLot()) ? MANY_UPDATES : 4;
            final RobotState[] states = {RobotState.ROBOT_STATE_DISPATCHED, RobotState.ROBOT_STATE_MOVING,
                                         RobotState.ROBOT_STATE_CHARGING, RobotState.ROBOT_STATE_RETURNING};
            for (int i = 1; i <= updates; i++) {
                responseObserver.onNext(WatchRobotStatesResponse.newBuilder()
                                                                .addRobots(robot("r1", states[(i - 1) % 4], i))
                                                                .build());
            }
            responseObserver.onCompleted();
        }

        /** Echoes the bridge stream: a welcome for the hello, then one ack per telemetry item. */
        @Override
        public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responseObserver) {
            return new StreamObserver<>() {
                @Override
                public void onNext(ConnectRequest request) {
                    if (request.hasHello()) {
                        responseObserver.onNext(ConnectResponse.newBuilder().setWelcome(
                                BridgeWelcome.newBuilder().setServerId("test-" + request.getHello().getBridgeId()))
                                                               .build());
                        return;
                    }
                    final StoredAck.Builder ack = StoredAck.newBuilder();
                    for (Telemetry item : request.getTelemetry().getItemsList()) {
                        ack.addMalformedReportIds(item.getRobotId() + ':' + item.getSequence());
                    }
                    responseObserver.onNext(ConnectResponse.newBuilder().setAck(ack).build());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    responseObserver.onCompleted();
                }
            };
        }
    }

    /** A robot whose battery percent tells which update it came from. */
    static Robot robot(String id, RobotState state, int update) {
        return Robot.newBuilder()
                    .setName("robots/" + id)
                    .setRobotId(id)
                    .setState(state)
                    .setBatteryPercent(update % 100)
                    .setOnline(true)
                    .build();
    }

    static ParkingLot lot(String name) {
        return ParkingLot.newBuilder()
                         .setName(name)
                         .setDisplayName("강남역 주차장")
                         .setLocation(LatLng.newBuilder().setLatitude(37.4979).setLongitude(127.0276))
                         .setOpen(true)
                         .setFreeSpotCount(3)
                         .build();
    }
}
