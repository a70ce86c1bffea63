package io.chargebot.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway in front of a real grpc-java backend, exercised over real sockets in every wire format. */
class GrpcWebGatewayTest {

    private static final String GET_PARKING_LOT = "/chargebot.parking.v1.ParkingService/GetParkingLot";
    private static final String BROWSER_ORIGIN = "http://localhost:5173";

    static TestBackend backend;
    static GrpcWebGateway gateway;
    /** HTTP/1.1, as browsers mostly speak gRPC-Web. */
    static BlockingWebClient http1;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
        gateway = GrpcWebGateway.start(config(backend.target()).build());
        http1 = WebClient.of("h1c://127.0.0.1:" + gateway.port()).blocking();
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

    /** The content type the backend sees: the gRPC call's over the network, none in-process. */
    String backendContentType() {
        return "application/grpc";
    }

    static GatewayConfig.Builder config(String target) {
        return GatewayConfig.builder()
                            .port(0)
                            .target(target)
                            .shutdownQuietPeriod(Duration.ZERO)
                            .shutdownTimeout(Duration.ofSeconds(2));
    }

    // gRPC-Web

    @Test
    void grpcWebUnaryReturnsTheBackendReply() throws Exception {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/1234",
                                                   "authorization", "Bearer secret-token");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType().toString()).startsWith("application/grpc-web");
        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.messages).hasSize(1);
        assertThat(ParkingLot.parseFrom(frames.messages.get(0))).isEqualTo(TestBackend.lot("parkingLots/1234"));
        assertThat(frames.sawTrailerFrame).isTrue();
        assertThat(frames.trailers).containsEntry("grpc-status", "0")
                                   .containsEntry("x-backend-trailer", "bye");
        // The backend's response header is relayed; transport headers are not duplicated.
        assertThat(res.headers().get("x-backend-header")).isEqualTo("from-backend");
        assertThat(res.headers().getAll("content-type")).hasSize(1);
    }

    @Test
    void grpcWebTextUnaryReturnsTheBackendReply() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, GET_PARKING_LOT)
                              .contentType(MediaType.parse("application/grpc-web-text"))
                              .add("accept", "application/grpc-web-text")
                              .add("x-grpc-web", "1")
                              .build(),
                GrpcWebFrames.textFrame(GetParkingLotRequest.newBuilder().setName("parkingLots/text").build()));

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType().toString()).startsWith("application/grpc-web-text");
        final GrpcWebFrames frames = GrpcWebFrames.parseText(res.contentUtf8());
        assertThat(frames.messages).hasSize(1);
        assertThat(ParkingLot.parseFrom(frames.messages.get(0))).isEqualTo(TestBackend.lot("parkingLots/text"));
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
    }

    @Test
    void grpcWebErrorCarriesTheStatusDetailsUnchanged() throws Exception {
        final AggregatedHttpResponse res = grpcWeb(http1, TestBackend.INVALID_LOT);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.messages).isEmpty();
        // A call that fails at once answers Trailers-Only: the trailers are the response headers.
        final String grpcStatus = firstNonNull(frames.trailers.get("grpc-status"), res.headers().get("grpc-status"));
        final String details = firstNonNull(frames.trailers.get("grpc-status-details-bin"),
                                            res.headers().get("grpc-status-details-bin"));
        final String message = firstNonNull(frames.trailers.get("grpc-message"), res.headers().get("grpc-message"));
        assertThat(grpcStatus).isEqualTo("3");
        assertThat(message).isEqualTo("name is malformed");
        assertThat(details).isNotNull();
        assertThat(com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(padBase64(details))))
                .isEqualTo(TestBackend.INVALID_ARGUMENT_STATUS);
    }

    @Test
    void grpcWebOverHttp2Works() throws Exception {
        final BlockingWebClient h2c = WebClient.of("h2c://127.0.0.1:" + gateway.port()).blocking();
        final AggregatedHttpResponse res = grpcWeb(h2c, "parkingLots/h2");

        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(ParkingLot.parseFrom(frames.messages.get(0)).getName()).isEqualTo("parkingLots/h2");
    }

    // Metadata, deadline, cancellation

    @Test
    void requestMetadataReachesTheBackendWithoutTransportOrBrowserHeaders() {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/meta",
                                                   "authorization", "Bearer secret-token",
                                                   "x-request-id", "req-42",
                                                   "accept-language", "ko-KR",
                                                   "x-client-version", "web/1.2.3",
                                                   "cookie", "session=abc",
                                                   "origin", BROWSER_ORIGIN);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final Metadata received = backend.lastHeaders;
        assertThat(received.get(ascii("authorization"))).isEqualTo("Bearer secret-token");
        assertThat(received.get(ascii("x-request-id"))).isEqualTo("req-42");
        assertThat(received.get(ascii("accept-language"))).isEqualTo("ko-KR");
        assertThat(received.get(ascii("x-client-version"))).isEqualTo("web/1.2.3");
        assertThat(received.get(ascii("x-forwarded-for"))).isEqualTo("127.0.0.1");
        assertThat(received.keys()).doesNotContain("cookie", "origin", "x-grpc-web", "host", "connection")
                                   .noneMatch(name -> name.startsWith(":"));
        assertThat(received.get(ascii("content-type"))).isEqualTo(backendContentType());
    }

    @Test
    void aRequestWithoutIdGetsOneThatTheBackendAndTheCallerSee() {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/no-id");

        final String requestId = res.headers().get("x-request-id");
        assertThat(requestId).isNotBlank();
        assertThat(backend.lastHeaders.get(ascii("x-request-id"))).isEqualTo(requestId);
    }

    @Test
    void theCallersDeadlineIsPropagated() {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/deadline", "grpc-timeout", "5S");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastDeadline).isNotNull();
        final long remainingMillis = backend.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS);
        assertThat(remainingMillis).isBetween(1_000L, 5_000L);
    }

    @Test
    void aCallPastItsDeadlineFailsWithDeadlineExceededAndTheBackendCallIsCancelled() throws Exception {
        backend.slowCallCancelled = new CountDownLatch(1);

        final AggregatedHttpResponse res = grpcWeb(http1, TestBackend.SLOW_LOT, "grpc-timeout", "300m");

        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(firstNonNull(frames.trailers.get("grpc-status"), res.headers().get("grpc-status")))
                .isEqualTo(String.valueOf(Status.Code.DEADLINE_EXCEEDED.value()));
        assertThat(backend.slowCallCancelled.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCallerThatCancelsCancelsTheBackendCall() throws Exception {
        backend.slowCallStarted = new CountDownLatch(1);
        backend.slowCallCancelled = new CountDownLatch(1);
        final ManagedChannel channel = grpcChannel();
        try {
            final ParkingServiceGrpc.ParkingServiceFutureStub stub = ParkingServiceGrpc.newFutureStub(channel);
            final var future = stub.getParkingLot(
                    GetParkingLotRequest.newBuilder().setName(TestBackend.SLOW_LOT).build());
            assertThat(backend.slowCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
            future.cancel(true);

            assertThat(backend.slowCallCancelled.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            channel.shutdownNow();
        }
    }

    // Plain gRPC

    @Test
    void aPlainGrpcClientWorksThroughTheGateway() {
        final ManagedChannel channel = grpcChannel();
        try {
            final ParkingServiceGrpc.ParkingServiceBlockingStub stub =
                    ParkingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
            assertThat(stub.getParkingLot(GetParkingLotRequest.newBuilder().setName("parkingLots/grpc").build()))
                    .isEqualTo(TestBackend.lot("parkingLots/grpc"));

            assertThatThrownBy(() -> stub.getParkingLot(
                    GetParkingLotRequest.newBuilder().setName(TestBackend.INVALID_LOT).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(StatusProto.fromThrowable(e)).isEqualTo(TestBackend.INVALID_ARGUMENT_STATUS);
                        assertThat(e.getTrailers().get(TestBackend.BACKEND_TRAILER)).isEqualTo("bye");
                    });
        } finally {
            channel.shutdownNow();
        }
    }

    // Binary gRPC and gRPC-Web: the byte pass-through

    @Test
    void grpcWebRepliesCarryTheBackendBytesAndEndWithItsTrailersAsTheLastFrame() throws Exception {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/bytes");

        final byte[] body = res.content().array();
        final byte[] expectedMessage = TestBackend.lot("parkingLots/bytes").toByteArray();
        // The message frame exactly as the backend encoded it, then one trailer frame (flag 0x80), then nothing.
        assertThat(body[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(body, 1, 4).getInt()).isEqualTo(expectedMessage.length);
        assertThat(Arrays.copyOfRange(body, 5, 5 + expectedMessage.length)).isEqualTo(expectedMessage);
        final int trailerFrame = 5 + expectedMessage.length;
        assertThat(body[trailerFrame] & 0xFF).isEqualTo(0x80);
        assertThat(ByteBuffer.wrap(body, trailerFrame + 1, 4).getInt()).isEqualTo(body.length - trailerFrame - 5);
        final String trailerLines = new String(body, trailerFrame + 5, body.length - trailerFrame - 5,
                                               StandardCharsets.US_ASCII);
        assertThat(trailerLines).contains("grpc-status: 0\r\n", "x-backend-trailer: bye\r\n").endsWith("\r\n");
        // The status is in the trailer frame only; the backend's own transport headers are not relayed.
        assertThat(res.headers().get("grpc-status")).isNull();
        assertThat(res.headers().get("te")).isNull();
        assertThat(res.contentType().toString()).isEqualTo("application/grpc-web+proto");
    }

    @Test
    void aTrailersOnlyBackendErrorStaysInTheResponseHeadersForGrpcWeb() throws Exception {
        final AggregatedHttpResponse res = grpcWeb(http1, TestBackend.INVALID_LOT);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.content().isEmpty()).isTrue();
        assertThat(res.headers().get("grpc-status")).isEqualTo("3");
        assertThat(res.headers().get("grpc-message")).isEqualTo("name is malformed");
        assertThat(res.headers().get("x-backend-trailer")).isEqualTo("bye");
        // grpc-status-details-bin passes byte for byte, as the backend wrote it.
        assertThat(com.google.rpc.Status.parseFrom(
                Base64.getDecoder().decode(padBase64(res.headers().get("grpc-status-details-bin")))))
                .isEqualTo(TestBackend.INVALID_ARGUMENT_STATUS);
    }

    @Test
    void passedThroughCallsForwardOnlyWhatForwardedHeadersAllows() {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/headers",
                                                   "x-forwarded-for", "203.0.113.7",
                                                   "x-trace-bin", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}),
                                                   "grpc-trace-bin", "AAEC",
                                                   "grpc-accept-encoding", "deflate",
                                                   "sec-fetch-mode", "cors",
                                                   "referer", "http://localhost:5173/app",
                                                   "cookie", "session=abc",
                                                   "connect-protocol-version", "1",
                                                   "armeria-secret", "x");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final Metadata received = backend.lastHeaders;
        assertThat(received.get(ascii("x-forwarded-for"))).isEqualTo("203.0.113.7, 127.0.0.1");
        assertThat(received.get(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER)))
                .containsExactly(1, 2, 3);
        assertThat(received.keys()).contains("grpc-trace-bin", "x-request-id")
                                   .doesNotContain("sec-fetch-mode", "referer", "cookie",
                                                   "connect-protocol-version", "armeria-secret", "x-grpc-web",
                                                   "accept", "te");
        // The caller's is not forwarded; a gateway whose own call is a grpc-java one sends grpc-java's.
        assertThat(received.get(ascii("grpc-accept-encoding"))).isNotEqualTo("deflate");
        assertThat(received.get(ascii("user-agent"))).startsWith("chargebot-grpc-web-gateway");
    }

    @Test
    void aPlainGrpcCallPastItsDeadlineFailsWithDeadlineExceededAndTheBackendCallIsCancelled() throws Exception {
        backend.slowCallCancelled = new CountDownLatch(1);
        final ManagedChannel channel = grpcChannel();
        try {
            final ParkingServiceGrpc.ParkingServiceBlockingStub stub =
                    ParkingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);

            assertThatThrownBy(() -> stub.getParkingLot(
                    GetParkingLotRequest.newBuilder().setName(TestBackend.SLOW_LOT).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            assertThat(backend.slowCallCancelled.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aLargeRequestAndReplyPassWhole() throws Exception {
        final String name = "parkingLots/" + "x".repeat(1024 * 1024);

        final AggregatedHttpResponse res = grpcWeb(http1, name);

        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.trailers).containsEntry("grpc-status", "0");
        assertThat(ParkingLot.parseFrom(frames.messages.get(0)).getName()).isEqualTo(name);
    }

    @Test
    void aMalformedFrameFailsTheCallWithAStatus() {
        // A frame header announcing 100 bytes, followed by 3.
        final byte[] truncated = {0, 0, 0, 0, 100, 1, 2, 3};
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, GET_PARKING_LOT)
                              .contentType(MediaType.parse("application/grpc-web+proto"))
                              .add("x-grpc-web", "1")
                              .build(), truncated);

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final GrpcWebFrames frames = GrpcWebFrames.parse(res.content().array());
        assertThat(frames.messages).isEmpty();
        assertThat(firstNonNull(frames.trailers.get("grpc-status"), res.headers().get("grpc-status")))
                .isEqualTo(String.valueOf(Status.Code.INTERNAL.value()));
        // The gateway still serves the next call.
        assertThat(GrpcWebFrames.parse(grpcWeb(http1, "parkingLots/after").content().array()).trailers)
                .containsEntry("grpc-status", "0");
    }

    // JSON: transcoding and unframed

    @Test
    void transcodedGetReturnsTheReplyAsJson() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.GET, "/v1/parkingLots/1234")
                              .add("authorization", "Bearer json-token")
                              .build());

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType().isJson()).isTrue();
        final ParkingLot.Builder lot = ParkingLot.newBuilder();
        JsonFormat.parser().merge(res.contentUtf8(), lot);
        assertThat(lot.build()).isEqualTo(TestBackend.lot("parkingLots/1234"));
        assertThat(backend.lastHeaders.get(ascii("authorization"))).isEqualTo("Bearer json-token");
    }

    @Test
    void transcodedQueryParametersFillNestedFields() throws Exception {
        final AggregatedHttpResponse res = http1.get(
                "/v1/parkingLots?location.latitude=37.56&location.longitude=126.97&page_size=5");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final ListParkingLotsResponse.Builder reply = ListParkingLotsResponse.newBuilder();
        JsonFormat.parser().merge(res.contentUtf8(), reply);
        assertThat(reply.getOrigin().getLatitude()).isEqualTo(37.56);
        assertThat(reply.getOrigin().getLongitude()).isEqualTo(126.97);
        assertThat(reply.getParkingLotsList()).extracting(ParkingLot::getName).containsExactly("parkingLots/near");
    }

    @Test
    void queryParametersMayUseProtoOrJsonNames() {
        assertThat(http1.get("/v1/parkingLots?location.latitude=1&location.longitude=2&page_size=7&radius_meters=900")
                        .status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastListRequest.getPageSize()).isEqualTo(7);
        assertThat(backend.lastListRequest.getRadiusMeters()).isEqualTo(900);

        assertThat(http1.get("/v1/parkingLots?location.latitude=1&location.longitude=2&pageSize=9&radiusMeters=800"
                             + "&pageToken=abc").status()).isEqualTo(HttpStatus.OK);
        assertThat(backend.lastListRequest.getPageSize()).isEqualTo(9);
        assertThat(backend.lastListRequest.getRadiusMeters()).isEqualTo(800);
        assertThat(backend.lastListRequest.getPageToken()).isEqualTo("abc");
    }

    @Test
    void transcodedErrorMapsToHttp400WithTheDetailsAsJson() {
        final AggregatedHttpResponse res = http1.get("/v1/parkingLots/invalid");

        assertThat(res.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(res.contentType().isJson()).isTrue();
        assertThat(res.contentUtf8()).contains("\"code\":3")
                                     .contains("VALIDATION_FAILED")
                                     .contains(ChargeBotApis.ERROR_DOMAIN)
                                     .contains("must be parkingLots/{uuid}");
    }

    @Test
    void unframedJsonRequestsWork() throws Exception {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.POST, GET_PARKING_LOT).contentType(MediaType.JSON_UTF_8).build(),
                "{\"name\":\"parkingLots/unframed\"}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final ParkingLot.Builder lot = ParkingLot.newBuilder();
        JsonFormat.parser().merge(res.contentUtf8(), lot);
        assertThat(lot.getName()).isEqualTo("parkingLots/unframed");
    }

    // CORS

    @Test
    void corsPreflightAllowsGrpcWebHeaders() {
        final AggregatedHttpResponse res = http1.execute(
                RequestHeaders.builder(HttpMethod.OPTIONS, GET_PARKING_LOT)
                              .add("origin", BROWSER_ORIGIN)
                              .add("access-control-request-method", "POST")
                              .add("access-control-request-headers",
                                   "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization,x-request-id")
                              .build());

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.headers().get("access-control-allow-origin")).isIn("*", BROWSER_ORIGIN);
        assertThat(res.headers().get("access-control-allow-methods")).contains("POST");
        assertThat(res.headers().get("access-control-allow-headers"))
                .contains("content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization",
                          "x-request-id");
    }

    @Test
    void corsResponsesExposeTheGrpcStatusHeaders() {
        final AggregatedHttpResponse res = grpcWeb(http1, "parkingLots/cors", "origin", BROWSER_ORIGIN);

        assertThat(res.headers().get("access-control-allow-origin")).isIn("*", BROWSER_ORIGIN);
        assertThat(res.headers().get("access-control-expose-headers"))
                .contains("grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id");
    }

    @Test
    void corsAllowsOnlyTheConfiguredOrigins() {
        try (GrpcWebGateway restricted = GrpcWebGateway.start(
                config(backend.target()).corsOrigins("https://app.chargebot.io").build())) {
            final BlockingWebClient client = WebClient.of("h1c://127.0.0.1:" + restricted.port()).blocking();
            final AggregatedHttpResponse allowed = preflight(client, "https://app.chargebot.io");
            final AggregatedHttpResponse denied = preflight(client, "https://evil.example");

            assertThat(allowed.headers().get("access-control-allow-origin")).isEqualTo("https://app.chargebot.io");
            assertThat(denied.headers().get("access-control-allow-origin")).isNull();
        }
    }

    // Failures and limits

    @Test
    void anUnreachableBackendGivesUnavailable() throws Exception {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (GrpcWebGateway orphan = GrpcWebGateway.start(config("127.0.0.1:" + closedPort).build())) {
            final BlockingWebClient client = WebClient.of("h1c://127.0.0.1:" + orphan.port()).blocking();

            final AggregatedHttpResponse grpcWeb = grpcWeb(client, "parkingLots/1");
            final GrpcWebFrames frames = GrpcWebFrames.parse(grpcWeb.content().array());
            assertThat(firstNonNull(frames.trailers.get("grpc-status"), grpcWeb.headers().get("grpc-status")))
                    .isEqualTo(String.valueOf(Status.Code.UNAVAILABLE.value()));
            final String message = firstNonNull(frames.trailers.get("grpc-message"),
                                                grpcWeb.headers().get("grpc-message"));
            assertThat(message).doesNotContain(String.valueOf(closedPort));

            assertThat(client.get("/v1/parkingLots/1").status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);

            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", orphan.port())
                                                              .usePlaintext().build();
            try {
                assertThatThrownBy(() -> ParkingServiceGrpc.newBlockingStub(channel)
                                                           .withDeadlineAfter(5, TimeUnit.SECONDS)
                                                           .getParkingLot(GetParkingLotRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription()).doesNotContain(String.valueOf(closedPort));
                        });
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void requestsOverTheLimitAreRejected() {
        try (GrpcWebGateway small = GrpcWebGateway.start(config(backend.target()).maxRequestBytes(1024).build())) {
            final BlockingWebClient client = WebClient.of("h1c://127.0.0.1:" + small.port()).blocking();

            final AggregatedHttpResponse ok = grpcWeb(client, "parkingLots/small");
            final AggregatedHttpResponse tooBig = grpcWeb(client, "parkingLots/" + "x".repeat(4096));

            assertThat(GrpcWebFrames.parse(ok.content().array()).trailers).containsEntry("grpc-status", "0");
            // The whole request is refused before a message is decoded; a gRPC-Web client sees HTTP 413.
            assertThat(tooBig.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
        }
    }

    @Test
    void aPortInUseFailsTheStartWithAClearError() {
        assertThatThrownBy(() -> GrpcWebGateway.start(config(backend.target()).port(gateway.port()).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("port " + gateway.port());
    }

    // Operations

    @Test
    void healthCheckAnswers() {
        assertThat(http1.get(GrpcWebGateway.HEALTH_CHECK_PATH).status()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void docServiceListsEveryServiceWithItsProtoComments() {
        final AggregatedHttpResponse res = http1.get(GrpcWebGateway.DOCS_PATH + "/specification.json");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        final String specification = res.contentUtf8();
        for (ServiceDescriptor service : ChargeBotApis.services()) {
            assertThat(specification).contains(service.getName());
        }
        // From the leading comment of GetParkingLot in parking_service.proto.
        assertThat(specification).contains("Gets one lot with its spots");
    }

    @Test
    void everyMethodOfEveryServiceIsForwarded() {
        for (ServiceDescriptor service : ChargeBotApis.services()) {
            for (var method : service.getMethods()) {
                // An empty unframed JSON request reaches the backend (which answers UNIMPLEMENTED for methods
                // the test backend lacks); a method the gateway did not register would get 404.
                final AggregatedHttpResponse res = http1.execute(
                        RequestHeaders.builder(HttpMethod.POST, '/' + method.getFullMethodName())
                                      .contentType(MediaType.PROTOBUF)
                                      .build(), HttpData.empty());
                assertThat(res.status()).as(method.getFullMethodName()).isNotEqualTo(HttpStatus.NOT_FOUND);
            }
        }
    }

    // Helpers

    private static AggregatedHttpResponse grpcWeb(BlockingWebClient client, String lotName, String... headers) {
        final var builder = RequestHeaders.builder(HttpMethod.POST, GET_PARKING_LOT)
                                          .contentType(MediaType.parse("application/grpc-web+proto"))
                                          .add("accept", "application/grpc-web+proto")
                                          .add("x-grpc-web", "1")
                                          .add("x-user-agent", "grpc-web-javascript/0.1");
        for (int i = 0; i < headers.length; i += 2) {
            builder.add(headers[i], headers[i + 1]);
        }
        return client.execute(builder.build(),
                              GrpcWebFrames.frame(GetParkingLotRequest.newBuilder().setName(lotName).build()));
    }

    private static AggregatedHttpResponse preflight(BlockingWebClient client, String origin) {
        return client.execute(RequestHeaders.builder(HttpMethod.OPTIONS, GET_PARKING_LOT)
                                            .add("origin", origin)
                                            .add("access-control-request-method", "POST")
                                            .add("access-control-request-headers", "content-type,x-grpc-web")
                                            .build());
    }

    private static ManagedChannel grpcChannel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    private static Metadata.Key<String> ascii(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    private static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }

    private static String padBase64(String value) {
        final int remainder = value.length() % 4;
        return remainder == 0 ? value : value + "=".repeat(4 - remainder);
    }
}
