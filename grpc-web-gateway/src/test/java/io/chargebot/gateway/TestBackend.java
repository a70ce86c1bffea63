package io.chargebot.gateway;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.type.LatLng;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
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
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the ChargeBot gRPC server: a real grpc-java server on an ephemeral port whose ParkingService
 * returns canned replies or errors and records the metadata and deadline of the last call.
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

    private final Server server;
    volatile Metadata lastHeaders;
    volatile ListParkingLotsRequest lastListRequest;
    volatile Deadline lastDeadline;
    volatile CountDownLatch slowCallStarted = new CountDownLatch(1);
    volatile CountDownLatch slowCallCancelled = new CountDownLatch(1);

    TestBackend() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                                   .addService(ServerInterceptors.intercept(new ParkingService(), new Recorder()))
                                   .addService(ServerInterceptors.intercept(new RobotService(), new Recorder()))
                                   .build()
                                   .start();
    }

    int port() {
        return server.getPort();
    }

    String target() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
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
            responseObserver.onNext(ListParkingLotsResponse.newBuilder()
                                                           .setOrigin(request.getLocation())
                                                           .addParkingLots(lot("parkingLots/near"))
                                                           .setNextPageToken("next")
                                                           .build());
            responseObserver.onCompleted();
        }
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
