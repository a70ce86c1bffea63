package io.chargebot.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.ErrorMapper;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every failure path of a handler reaches the client as a mapped status with a correlation id. */
class RequestInterceptorTest {

    private Server server;
    private ManagedChannel channel;
    private final AtomicReference<String> seenCorrelationId = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        ParkingServiceGrpc.ParkingServiceImplBase service = new ParkingServiceGrpc.ParkingServiceImplBase() {
            @Override
            public void getParkingLot(GetParkingLotRequest request, StreamObserver<ParkingLot> observer) {
                seenCorrelationId.set(RequestInterceptor.CORRELATION_ID.get());
                switch (request.getName()) {
                    case "throw-api" -> throw ApiException.notFound("parkingLots/x");
                    case "throw-bug" -> throw new IllegalStateException("NullPointer in SELECT * FROM users");
                    case "onerror-bug" -> observer.onError(new RuntimeException("leaky detail"));
                    case "onerror-api" -> observer.onError(ApiException.invalid("name", "bad"));
                    default -> {
                        observer.onNext(ParkingLot.newBuilder().setName(request.getName()).build());
                        observer.onCompleted();
                    }
                }
            }

            @Override
            public void listParkingLots(ListParkingLotsRequest request, StreamObserver<ListParkingLotsResponse> observer) {
                throw new AssertionError("escaped error");
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(service, new RequestInterceptor(new ErrorMapper())))
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void thrownApiExceptionsKeepTheirStatus() {
        StatusRuntimeException e = call("throw-api");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(e).getReason()).isEqualTo("RESOURCE_NOT_FOUND");
    }

    @Test
    void apiExceptionsPassedToOnErrorKeepTheirStatus() {
        StatusRuntimeException e = call("onerror-api");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("VALIDATION_FAILED");
    }

    @Test
    void bugsBecomeInternalWithTheCorrelationIdAndNoDetailLeaks() {
        for (String kind : new String[] {"throw-bug", "onerror-bug"}) {
            StatusRuntimeException e = call(kind);
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(e.getStatus().getDescription()).doesNotContain("SELECT", "leaky", "NullPointer");
            assertThat(errorInfo(e).getMetadataMap()).containsEntry("correlation_id", seenCorrelationId.get());
            assertThat(e.getTrailers().get(RequestInterceptor.REQUEST_ID_HEADER)).isEqualTo(seenCorrelationId.get());
        }
    }

    @Test
    void errorsEscapingTheHandlerAreMappedToo() {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () ->
                ParkingServiceGrpc.newBlockingStub(channel).listParkingLots(ListParkingLotsRequest.getDefaultInstance()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(errorInfo(e).getReason()).isEqualTo("INTERNAL_ERROR");
    }

    @Test
    void aWellFormedRequestIdIsUsedAndEchoed() {
        Metadata headers = new Metadata();
        headers.put(RequestInterceptor.REQUEST_ID_HEADER, "client-req-0001");
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        ParkingServiceGrpc.ParkingServiceBlockingStub stub = ParkingServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers),
                        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()));
        stub.getParkingLot(GetParkingLotRequest.newBuilder().setName("ok").build());
        assertThat(seenCorrelationId.get()).isEqualTo("client-req-0001");
        assertThat(responseHeaders.get().get(RequestInterceptor.REQUEST_ID_HEADER)).isEqualTo("client-req-0001");
    }

    @Test
    void aMalformedRequestIdIsReplaced() {
        Metadata headers = new Metadata();
        headers.put(RequestInterceptor.REQUEST_ID_HEADER, "bad id\twith spaces and way too long".repeat(4));
        ParkingServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .getParkingLot(GetParkingLotRequest.newBuilder().setName("ok").build());
        assertThat(seenCorrelationId.get()).matches("[0-9a-f-]{36}");
    }

    private StatusRuntimeException call(String name) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> ParkingServiceGrpc.newBlockingStub(channel)
                .getParkingLot(GetParkingLotRequest.newBuilder().setName(name).build()));
    }

    private static ErrorInfo errorInfo(StatusRuntimeException e) {
        try {
            return StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
    }
}
