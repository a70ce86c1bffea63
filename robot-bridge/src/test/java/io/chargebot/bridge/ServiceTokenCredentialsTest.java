package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.IssueServiceTokenRequest;
import io.chargebot.auth.v1.IssueServiceTokenResponse;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bridge's SERVICE token: fetched with client id and secret, sent as a bearer token, renewed before expiry. */
class ServiceTokenCredentialsTest {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AtomicInteger issued = new AtomicInteger();
    private final List<IssueServiceTokenRequest> tokenRequests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private Instant now = Instant.parse("2026-11-23T08:00:00Z");

    private final class Auth extends AuthServiceGrpc.AuthServiceImplBase {
        @Override
        public void issueServiceToken(IssueServiceTokenRequest request,
                StreamObserver<IssueServiceTokenResponse> response) {
            tokenRequests.add(request);
            if (!request.getClientSecret().equals("s3cret-s3cret-s3cret-s3cret-s3cret")) {
                response.onError(Status.UNAUTHENTICATED.asRuntimeException());
                return;
            }
            int n = issued.incrementAndGet();
            response.onNext(IssueServiceTokenResponse.newBuilder().setTokens(AuthTokens.newBuilder()
                    .setAccessToken("token-" + n).setTokenType("Bearer").setExpiresInSeconds(900)
                    .setExpireTime(Timestamps.fromMillis(now.plusSeconds(900).toEpochMilli()))).addScopes("robot.connect")
                    .build());
            response.onCompleted();
        }
    }

    private final class Robots extends RobotServiceGrpc.RobotServiceImplBase {
        @Override
        public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responses) {
            responses.onCompleted();
            return new StreamObserver<>() {
                @Override
                public void onNext(ConnectRequest value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
    }

    @Test
    void bearerTokenIsFetchedOnceAndRenewedBeforeExpiry() throws Exception {
        String name = "auth-" + UUID.randomUUID();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new Auth())
                .addService(ServerInterceptors.intercept(new Robots(), new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                            Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        authorizations.add(headers.get(AUTHORIZATION));
                        return next.startCall(call, headers);
                    }
                }))
                .build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            Clock clock = new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            };
            var credentials = new ServiceTokenCredentials(channel, "robot-bridge",
                    "s3cret-s3cret-s3cret-s3cret-s3cret", clock);
            var stub = RobotServiceGrpc.newStub(channel).withCallCredentials(credentials);

            connectOnce(stub);
            now = now.plusSeconds(600); // well before expiry: the cached token
            connectOnce(stub);
            now = now.plusSeconds(250); // 50 s before expiry (< 60 s margin): a new one
            connectOnce(stub);

            assertThat(authorizations).containsExactly("Bearer token-1", "Bearer token-1", "Bearer token-2");
            assertThat(tokenRequests).extracting(IssueServiceTokenRequest::getClientId).containsOnly("robot-bridge");

            var wrong = RobotServiceGrpc.newStub(channel).withCallCredentials(
                    new ServiceTokenCredentials(channel, "robot-bridge", "wrong-wrong-wrong-wrong-wrong-wrong", clock));
            Status status = connectOnce(wrong);
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(authorizations).hasSize(3);
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    private static Status connectOnce(RobotServiceGrpc.RobotServiceStub stub) throws InterruptedException {
        var done = new java.util.concurrent.CompletableFuture<Status>();
        StreamObserver<ConnectRequest> requests = stub.connect(new StreamObserver<>() {
            @Override
            public void onNext(ConnectResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                done.complete(Status.OK);
            }
        });
        requests.onNext(ConnectRequest.getDefaultInstance());
        try {
            return done.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        } finally {
            requests.onCompleted();
        }
    }
}
