package io.chargebot.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.chargebot.robot.v1.BridgeHello;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.TelemetryBatch;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streaming methods of RobotService through the gateway: server streaming for browsers, bidi for gRPC. */
class RobotStreamingTest {

    private static final String WATCH_ROBOT_STATES = "/chargebot.robot.v1.RobotService/WatchRobotStates";

    static TestBackend backend;
    static GrpcWebGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
        gateway = GrpcWebGateway.start(GrpcWebGatewayTest.config(backend.target()).build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void serverStreamingOverGrpcWebTextDeliversEveryMessage() throws Exception {
        final AggregatedHttpResponse res = watchAsBrowser("parkingLots/lot-1").aggregate().join();

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType().toString()).startsWith("application/grpc-web-text");
        final GrpcWebFrames frames = GrpcWebFrames.parseText(res.contentUtf8());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        final List<WatchRobotStatesResponse> messages = new ArrayList<>();
        for (byte[] message : frames.messages) {
            messages.add(WatchRobotStatesResponse.parseFrom(message));
        }
        assertThat(messages).hasSize(5);
        assertThat(messages.get(0).getInitial()).isTrue();
        assertThat(messages.get(0).getRobotsList()).hasSize(2);
        assertThat(messages.subList(1, 5)).allSatisfy(m -> assertThat(m.getInitial()).isFalse())
                                          .extracting(m -> m.getRobots(0).getState())
                                          .containsExactly(RobotState.ROBOT_STATE_DISPATCHED,
                                                           RobotState.ROBOT_STATE_MOVING,
                                                           RobotState.ROBOT_STATE_CHARGING,
                                                           RobotState.ROBOT_STATE_RETURNING);
    }

    @Test
    void aLongStreamArrivesCompleteAndInOrder() throws Exception {
        final GrpcWebFrames frames = GrpcWebFrames.parseText(
                watchAsBrowser(TestBackend.BUSY_LOT).aggregate().join().contentUtf8());

        assertCompleteAndInOrder(frames);
    }

    @Test
    void aBrowserThatGoesAwayCancelsTheBackendStream() throws Exception {
        assertGoingAwayCancelsTheBackendStream(() -> watchAsBrowser(TestBackend.QUIET_LOT));
    }

    @Test
    void binaryGrpcWebStreamsEveryMessageInOrderWithTheTrailerFrameLast() throws Exception {
        final GrpcWebFrames frames = GrpcWebFrames.parse(
                watchAsBinaryBrowser(TestBackend.BUSY_LOT).aggregate().join().content().array());

        assertThat(frames.sawTrailerFrame).isTrue();
        assertThat(WatchRobotStatesResponse.parseFrom(frames.messages.get(0)).getInitial()).isTrue();
        assertCompleteAndInOrder(frames);
    }

    /** The busy lot's stream: OK, the snapshot, then every update in order. */
    private static void assertCompleteAndInOrder(GrpcWebFrames frames) throws Exception {
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        assertThat(frames.messages).hasSize(TestBackend.MANY_UPDATES + 1);
        for (int i = 1; i <= TestBackend.MANY_UPDATES; i++) {
            assertThat(WatchRobotStatesResponse.parseFrom(frames.messages.get(i)).getRobots(0).getBatteryPercent())
                    .isEqualTo(i % 100);
        }
    }

    /** Over binary gRPC-Web the snapshot arrives while the stream is still open, and leaving cancels it. */
    @Test
    void aBinaryGrpcWebStreamDeliversBeforeItEndsAndLeavingCancelsIt() throws Exception {
        assertGoingAwayCancelsTheBackendStream(() -> watchAsBinaryBrowser(TestBackend.QUIET_LOT));
    }

    private static void assertGoingAwayCancelsTheBackendStream(Supplier<HttpResponse> watch) throws Exception {
        backend.slowCallStarted = new CountDownLatch(1);
        backend.slowCallCancelled = new CountDownLatch(1);
        final HttpResponse res = watch.get();
        final CompletableFuture<HttpData> firstData = new CompletableFuture<>();
        res.subscribe(new org.reactivestreams.Subscriber<>() {
            @Override
            public void onSubscribe(org.reactivestreams.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(com.linecorp.armeria.common.HttpObject o) {
                if (o instanceof HttpData) {
                    firstData.complete((HttpData) o);
                }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onComplete() {}
        });

        assertThat(backend.slowCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(firstData.get(5, TimeUnit.SECONDS).isEmpty()).isFalse();
        res.abort();

        assertThat(backend.slowCallCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void serverStreamingWorksForGrpcClients() {
        final ManagedChannel channel = channel();
        try {
            final Iterator<WatchRobotStatesResponse> it =
                    RobotServiceGrpc.newBlockingStub(channel)
                                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                                    .watchRobotStates(WatchRobotStatesRequest.newBuilder()
                                                                             .setParkingLot(TestBackend.BUSY_LOT)
                                                                             .build());
            int count = 0;
            while (it.hasNext()) {
                it.next();
                count++;
            }
            assertThat(count).isEqualTo(TestBackend.MANY_UPDATES + 1);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void bidirectionalStreamingWorksForGrpcClients() throws Exception {
        final ManagedChannel channel = channel();
        try {
            final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
            final StreamObserver<ConnectRequest> requests =
                    RobotServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
                        @Override
                        public void onNext(ConnectResponse value) {
                            received.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            received.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            received.add("completed");
                        }
                    });
            requests.onNext(ConnectRequest.newBuilder()
                                          .setHello(BridgeHello.newBuilder().setBridgeId("bridge-1"))
                                          .build());
            final int batches = 500;
            for (int i = 1; i <= batches; i++) {
                requests.onNext(ConnectRequest.newBuilder().setTelemetry(
                        TelemetryBatch.newBuilder().addItems(Telemetry.newBuilder().setRobotId("r1").setSequence(i)))
                                              .build());
            }
            requests.onCompleted();

            final Object welcome = received.poll(10, TimeUnit.SECONDS);
            assertThat(welcome).isInstanceOfSatisfying(ConnectResponse.class, r ->
                    assertThat(r.getWelcome().getServerId()).isEqualTo("test-bridge-1"));
            for (int i = 1; i <= batches; i++) {
                final Object ack = received.poll(10, TimeUnit.SECONDS);
                final int sequence = i;
                assertThat(ack).isInstanceOfSatisfying(ConnectResponse.class, r ->
                        assertThat(r.getAck().getMalformedReportIdsList()).containsExactly("r1:" + sequence));
            }
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
        } finally {
            channel.shutdownNow();
        }
    }

    private static HttpResponse watchAsBrowser(String parkingLot) {
        return watch("application/grpc-web-text", HttpData.ofUtf8(GrpcWebFrames.textFrame(watchRequest(parkingLot))));
    }

    private static HttpResponse watchAsBinaryBrowser(String parkingLot) {
        return watch("application/grpc-web+proto", HttpData.wrap(GrpcWebFrames.frame(watchRequest(parkingLot))));
    }

    private static WatchRobotStatesRequest watchRequest(String parkingLot) {
        return WatchRobotStatesRequest.newBuilder().setParkingLot(parkingLot).build();
    }

    /** WatchRobotStates as a browser sends it over HTTP/1.1, in the gRPC-Web format {@code contentType}. */
    private static HttpResponse watch(String contentType, HttpData body) {
        return WebClient.of("h1c://127.0.0.1:" + gateway.port())
                        .execute(RequestHeaders.builder(HttpMethod.POST, WATCH_ROBOT_STATES)
                                               .contentType(MediaType.parse(contentType))
                                               .add("accept", contentType)
                                               .add("x-grpc-web", "1")
                                               .add("origin", "http://localhost:5173")
                                               .build(),
                                 body);
    }

    private static ManagedChannel channel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }
}
