package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * The entry point of the SDK: a connection to a ChargeBot server.
 *
 * <pre>{@code
 * try (ChargeBotClient client = ChargeBotClient.builder()
 *         .target("api.chargebot.io:443")
 *         .userAgent("MyApp/1.4")
 *         .build()) {
 *     Page<ParkingLot> lots = client.parking().listNearby(37.5665, 126.9780, 3000, 20);
 * }
 * }</pre>
 *
 * <p>One client holds one gRPC channel (OkHttp transport, TLS unless {@link Builder#usePlaintext()}):
 * create it once, share it, and {@link #close()} it when the app no longer needs it. Every unary
 * call without a deadline of its own gets the {@linkplain Builder#defaultDeadline(long, TimeUnit)
 * default deadline}; idempotent reads ({@code Get*}, {@code List*}) are retried on
 * {@code UNAVAILABLE}, writes never are; the token of the {@link AccessTokenProvider} is sent as
 * {@code authorization: Bearer ...}. It is safe to use from many threads.
 */
public final class ChargeBotClient implements AutoCloseable {

    /** The default deadline of a unary call, in milliseconds. */
    public static final long DEFAULT_DEADLINE_MILLIS = 10_000;

    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final ManagedChannel channel;
    private final ParkingClient parking;

    private ChargeBotClient(ManagedChannel channel) {
        this.channel = channel;
        this.parking = ParkingClient.create(channel);
    }

    /** Returns a new builder; {@link Builder#target(String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The friendly API for parking lots and spots. */
    public ParkingClient parking() {
        return parking;
    }

    /** A blocking stub of {@code ParkingService}, for the methods {@link #parking()} does not wrap. */
    public ParkingServiceGrpc.ParkingServiceBlockingStub parkingStub() {
        return ParkingServiceGrpc.newBlockingStub(channel);
    }

    /**
     * The client's channel, for stubs of any service, e.g.
     * {@code ParkingServiceGrpc.newFutureStub(client.channel())}. Calls on it get the default
     * deadline, the retries and the access token like the friendly API; their failures are
     * {@link io.grpc.StatusRuntimeException}s, which {@link ChargeBotException#from(Throwable)}
     * turns into typed ones. Close the client, not the channel.
     */
    public Channel channel() {
        return channel;
    }

    /**
     * Closes the connection: waits up to a few seconds for calls in flight, then cancels them. New
     * calls fail afterwards. Calling it again has no effect.
     */
    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Builds a {@link ChargeBotClient}. */
    public static final class Builder {

        @Nullable
        private String target;
        private boolean plaintext;
        private long deadlineNanos = TimeUnit.MILLISECONDS.toNanos(DEFAULT_DEADLINE_MILLIS);
        @Nullable
        private String userAgent;
        @Nullable
        private Executor executor;
        private AccessTokenProvider accessTokenProvider = AccessTokenProvider.NONE;
        @Nullable
        private ManagedChannelBuilder<?> channelBuilder;

        private Builder() {}

        /**
         * The server to connect to, as {@code "host:port"} (e.g. {@code "api.chargebot.io:443"}) or
         * any gRPC target URI (e.g. {@code "dns:///api.chargebot.io:443"}). Required.
         */
        public Builder target(String target) {
            this.target = requireNonNull(target, "target");
            return this;
        }

        /** Connects without TLS, e.g. to a local development server. TLS is on by default. */
        public Builder usePlaintext() {
            plaintext = true;
            return this;
        }

        /**
         * The deadline of a unary call that has none of its own; default 10 seconds. A deadline set
         * on a stub ({@code withDeadlineAfter}) or on the current gRPC {@code Context} is never
         * extended by it.
         */
        public Builder defaultDeadline(long timeout, TimeUnit unit) {
            requireNonNull(unit, "unit");
            if (timeout <= 0) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            deadlineNanos = unit.toNanos(timeout);
            return this;
        }

        /** The app's name and version, e.g. {@code "MyApp/1.4"}, sent ahead of the SDK's own. */
        public Builder userAgent(String userAgent) {
            this.userAgent = requireNonNull(userAgent, "userAgent");
            return this;
        }

        /**
         * The executor that runs response callbacks and the {@link AccessTokenProvider}; by default
         * a shared gRPC pool. The client does not shut it down.
         */
        public Builder executor(Executor executor) {
            this.executor = requireNonNull(executor, "executor");
            return this;
        }

        /** Where the access token comes from; by default there is none and calls go unauthenticated. */
        public Builder accessTokenProvider(AccessTokenProvider accessTokenProvider) {
            this.accessTokenProvider = requireNonNull(accessTokenProvider, "accessTokenProvider");
            return this;
        }

        /** Uses a ready channel builder (tests: in-process transport) instead of OkHttp; ignores target and TLS. */
        Builder channelBuilder(ManagedChannelBuilder<?> channelBuilder) {
            this.channelBuilder = requireNonNull(channelBuilder, "channelBuilder");
            return this;
        }

        /**
         * Builds the client. Connecting is lazy: a wrong address shows only as
         * {@link UnavailableException}s of the first calls.
         *
         * @throws IllegalStateException if no target was set
         */
        public ChargeBotClient build() {
            ManagedChannelBuilder<?> builder = channelBuilder;
            if (builder == null) {
                if (target == null) {
                    throw new IllegalStateException("target is not set (expected e.g. \"api.chargebot.io:443\")");
                }
                OkHttpChannelBuilder okHttp = OkHttpChannelBuilder.forTarget(target);
                if (plaintext) {
                    okHttp.usePlaintext();
                } else {
                    okHttp.useTransportSecurity();
                }
                builder = okHttp;
            }
            String sdkAgent = "chargebot-sdk-java/" + SdkVersion.VERSION;
            builder.userAgent(userAgent == null ? sdkAgent : userAgent + ' ' + sdkAgent);
            if (executor != null) {
                builder.executor(executor);
            }
            builder.defaultServiceConfig(ServiceConfig.forServices(ServiceConfig.SERVICES))
                    .enableRetry()
                    // Interceptors run last-added first: credentials, then the deadline.
                    .intercept(new DefaultDeadlineInterceptor(deadlineNanos, TimeUnit.NANOSECONDS),
                            new CallCredentialsInterceptor(new BearerTokenCredentials(accessTokenProvider)));
            return new ChargeBotClient(builder.build());
        }
    }
}
