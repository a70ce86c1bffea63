package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.plate.v1.PlateServiceGrpc;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
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
 * {@code UNAVAILABLE}, writes are not, except a booking through {@link #reservations()}, which
 * carries an idempotency key. It is safe to use from many threads.
 *
 * <p>Signing in ({@link #auth()}) saves the session's {@link Tokens} in the client's
 * {@link TokenStore}; every call then carries the access token as {@code authorization: Bearer ...}.
 * A token about to expire (within 30 s) is refreshed before a call, and a unary call whose token
 * the server rejects ({@code UNAUTHENTICATED}) is refreshed once and sent once more; concurrent
 * calls share one refresh. When the refresh token is no longer accepted the store is cleared and
 * the call fails with {@link SessionExpiredException}. This holds for raw stubs on
 * {@link #channel()} too; streaming calls get the refresh before the call but are never replayed.
 * With an explicit {@link Builder#accessTokenProvider(AccessTokenProvider)} that provider's token is
 * sent instead, without refreshes or retries.
 */
public final class ChargeBotClient implements AutoCloseable {

    /** The default deadline of a unary call, in milliseconds. */
    public static final long DEFAULT_DEADLINE_MILLIS = 10_000;

    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final ManagedChannel managedChannel;
    private final Channel channel;
    private final SessionManager session;
    private final ParkingClient parking;
    private final AuthClient auth;
    private final UserClient users;
    private final CarClient cars;
    private final ReservationClient reservations;

    private ChargeBotClient(ManagedChannel managedChannel, Channel channel, SessionManager session,
                            long deadlineNanos) {
        this.managedChannel = managedChannel;
        this.channel = channel;
        this.session = session;
        this.parking = ParkingClient.create(channel);
        this.auth = AuthClient.create(channel, session);
        this.users = UserClient.create(channel, session);
        this.cars = CarClient.create(channel);
        this.reservations = ReservationClient.create(channel, deadlineNanos);
    }

    /** Returns a new builder; {@link Builder#target(String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Parking lots and spots: search by position or place name; admin lot and spot management. */
    public ParkingClient parking() {
        return parking;
    }

    /** Sign-up, sign-in, sign-out, verification codes, finding a login id and resetting a password. */
    public AuthClient auth() {
        return auth;
    }

    /** The signed-in user's account: profile, password, driver's licence, push devices. */
    public UserClient users() {
        return users;
    }

    /** The signed-in user's cars: register, list, change, delete. */
    public CarClient cars() {
        return cars;
    }

    /**
     * Charging reservations: availability, booking (safe to retry), the user's reservations,
     * cancelling; for admins, a lot's daily list and forced cancellation.
     */
    public ReservationClient reservations() {
        return reservations;
    }

    /** The store that holds the session's tokens (the one given to the builder, or an in-memory one). */
    public TokenStore tokenStore() {
        return session.store();
    }

    /** A blocking stub of {@code ParkingService}, for the methods {@link #parking()} does not wrap. */
    public ParkingServiceGrpc.ParkingServiceBlockingStub parkingStub() {
        return ParkingServiceGrpc.newBlockingStub(channel);
    }

    /**
     * A blocking stub of {@code AuthService}, e.g. for {@code IssueServiceToken}. Tokens returned by
     * calls on it are not saved in the {@link TokenStore}: use {@link #auth()} to sign in.
     */
    public AuthServiceGrpc.AuthServiceBlockingStub authStub() {
        return AuthServiceGrpc.newBlockingStub(channel);
    }

    /** A blocking stub of {@code UserService}, e.g. for the admin methods ({@code ListUsers}, {@code CreateAdmin}, ...). */
    public UserServiceGrpc.UserServiceBlockingStub userStub() {
        return UserServiceGrpc.newBlockingStub(channel);
    }

    /** A blocking stub of {@code CarService}, for what {@link #cars()} does not wrap. */
    public CarServiceGrpc.CarServiceBlockingStub carStub() {
        return CarServiceGrpc.newBlockingStub(channel);
    }

    /** A blocking stub of {@code ReservationService}, for what {@link #reservations()} does not wrap. */
    public ReservationServiceGrpc.ReservationServiceBlockingStub reservationStub() {
        return ReservationServiceGrpc.newBlockingStub(channel);
    }

    /** A blocking stub of {@code PlateService}. */
    public PlateServiceGrpc.PlateServiceBlockingStub plateStub() {
        return PlateServiceGrpc.newBlockingStub(channel);
    }

    /** A blocking stub of {@code RobotService}; its streaming methods need {@code RobotServiceGrpc.newStub(client.channel())}. */
    public RobotServiceGrpc.RobotServiceBlockingStub robotStub() {
        return RobotServiceGrpc.newBlockingStub(channel);
    }

    /**
     * The client's channel, for stubs of any service, e.g.
     * {@code ParkingServiceGrpc.newFutureStub(client.channel())}. Calls on it get the default
     * deadline, the retries, the access token and its automatic refresh like the friendly API; their failures are
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
        managedChannel.shutdown();
        try {
            if (!managedChannel.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                managedChannel.shutdownNow();
            }
        } catch (InterruptedException e) {
            managedChannel.shutdownNow();
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
        @Nullable
        private AccessTokenProvider accessTokenProvider;
        @Nullable
        private TokenStore tokenStore;
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

        /**
         * Where the access token comes from, when the app manages tokens itself. It wins over the
         * {@link #tokenStore(TokenStore) token store}: its token is sent as it is, and the client
         * neither refreshes it nor retries rejected calls. By default the token comes from the token
         * store (none until signed in).
         */
        public Builder accessTokenProvider(AccessTokenProvider accessTokenProvider) {
            this.accessTokenProvider = requireNonNull(accessTokenProvider, "accessTokenProvider");
            return this;
        }

        /**
         * Where the session's tokens are kept; by default an {@link InMemoryTokenStore}. An Android
         * app passes a store on encrypted storage to stay signed in across restarts.
         */
        public Builder tokenStore(TokenStore tokenStore) {
            this.tokenStore = requireNonNull(tokenStore, "tokenStore");
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
                    .enableRetry();
            ManagedChannel managed = builder.build();
            // Token refreshes go straight to the channel: no access token, no interceptors.
            SessionManager session = new SessionManager(
                    tokenStore == null ? new InMemoryTokenStore() : tokenStore, managed, deadlineNanos);
            ClientInterceptor auth = accessTokenProvider != null
                    ? new CallCredentialsInterceptor(new BearerTokenCredentials(accessTokenProvider))
                    : new SessionInterceptor(session);
            // Interceptors run last-listed first: the deadline, then auth, so that one deadline
            // covers a call, a token refresh and its retry.
            Channel channel = ClientInterceptors.intercept(managed, auth,
                    new DefaultDeadlineInterceptor(deadlineNanos, TimeUnit.NANOSECONDS));
            return new ChargeBotClient(managed, channel, session, deadlineNanos);
        }
    }
}
