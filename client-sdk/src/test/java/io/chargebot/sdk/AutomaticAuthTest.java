package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.chargebot.auth.v1.RefreshTokenRequest;
import io.chargebot.auth.v1.RefreshTokenResponse;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.WatchRobotStatesRequest;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stored access token goes out with every call and is refreshed before expiry and after a rejection. */
@Timeout(30)
class AutomaticAuthTest {

    private static final long MINUTE = 60_000;
    private static final GetUserRequest GET_ME = GetUserRequest.newBuilder().setName("users/me").build();

    private final FakeAuthService auth = new FakeAuthService();
    private final FakeUserService users = new FakeUserService();
    private final FakeRobotService robots = new FakeRobotService();
    private final InProcessFixture fixture = new InProcessFixture(auth, users, robots);
    private final InMemoryTokenStore store = new InMemoryTokenStore();
    private final ChargeBotClient client = fixture.track(fixture.clientBuilder().tokenStore(store).build());

    @AfterEach
    void close() {
        fixture.close();
    }

    private static Tokens tokens(String access, long expiresInMillis, String refresh) {
        long now = System.currentTimeMillis();
        return new Tokens(access, now + expiresInMillis, refresh, now + 30 * 24 * 60 * MINUTE);
    }

    @Test
    void everyCallCarriesTheStoredAccessToken() {
        store.save(tokens("token-a", 10 * MINUTE, "refresh-a"));
        users.accept("token-a");

        client.users().getMe();
        UserServiceGrpc.newBlockingStub(client.channel()).getUser(GET_ME);

        assertThat(users.authorizations).containsExactly("Bearer token-a", "Bearer token-a");
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void signedOutCallsCarryNoToken() {
        assertThatThrownBy(() -> client.users().getMe()).isExactlyInstanceOf(UnauthenticatedException.class);

        assertThat(users.authorizations).containsExactly("");
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void aTokenThatExpiresWithin30SecondsIsRefreshedBeforeTheCall() {
        store.save(tokens("about-to-expire", 20_000, "refresh-a"));
        users.accept("about-to-expire", "refreshed-1");

        client.users().getMe();

        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(((RefreshTokenRequest) auth.requests.get(0)).getRefreshToken()).isEqualTo("refresh-a");
        assertThat(auth.authorizations).as("a refresh carries no access token").containsExactly("");
        assertThat(users.authorizations).containsExactly("Bearer refreshed-1");
        assertThat(store.get().accessToken()).isEqualTo("refreshed-1");
        assertThat(store.get().refreshToken()).isEqualTo("refresh-after-1");
        assertThat(store.get().accessTokenExpireTimeMillis())
                .isBetween(System.currentTimeMillis() + 890_000, System.currentTimeMillis() + 900_000);
    }

    @Test
    void anExpiredTokenWithoutRefreshTokenIsSentAsItIs() {
        store.save(tokens("expired", -MINUTE, ""));

        assertThatThrownBy(() -> client.users().getMe()).isExactlyInstanceOf(UnauthenticatedException.class);

        assertThat(users.authorizations).containsExactly("Bearer expired");
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void aRejectedTokenIsRefreshedOnceAndTheCallRetriedWithTheNewToken() {
        store.save(tokens("revoked-but-unexpired", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1");

        User me = client.users().getMe();

        assertThat(me).isEqualTo(FakeAuthService.MINJI);
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(users.calls).hasValue(2);
        assertThat(users.authorizations).containsExactly("Bearer revoked-but-unexpired", "Bearer refreshed-1");
        assertThat(store.get().accessToken()).isEqualTo("refreshed-1");
    }

    @Test
    void rawStubsOnTheClientsChannelAreRetriedToo() throws Exception {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1", "refreshed-2");

        User viaBlocking = UserServiceGrpc.newBlockingStub(client.channel()).getUser(GET_ME);
        store.save(tokens("stale-again", 10 * MINUTE, "refresh-after-1"));
        User viaFuture = UserServiceGrpc.newFutureStub(client.channel()).getUser(GET_ME).get(10, TimeUnit.SECONDS);

        assertThat(viaBlocking).isEqualTo(FakeAuthService.MINJI);
        assertThat(viaFuture).isEqualTo(FakeAuthService.MINJI);
        assertThat(auth.refreshCalls).hasValue(2);
        assertThat(users.authorizations).containsExactly(
                "Bearer stale", "Bearer refreshed-1", "Bearer stale-again", "Bearer refreshed-2");
    }

    @Test
    void theAsyncStubGetsItsCallbacksAfterARetry() throws Exception {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1");
        CountDownLatch done = new CountDownLatch(1);
        List<Object> events = new CopyOnWriteArrayList<>();

        UserServiceGrpc.newStub(client.channel()).getUser(GET_ME, new StreamObserver<>() {
            @Override
            public void onNext(User value) {
                events.add(value);
            }

            @Override
            public void onError(Throwable t) {
                events.add(t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                events.add("completed");
                done.countDown();
            }
        });

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(events).containsExactly(FakeAuthService.MINJI, "completed");
    }

    @Test
    void aCallStillRejectedAfterTheRefreshFailsWithoutAnotherRefresh() {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        // The user service accepts no token at all.

        UnauthenticatedException e = catchThrowableOfType(UnauthenticatedException.class, () -> client.users().getMe());

        assertThat(e).isExactlyInstanceOf(UnauthenticatedException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.UNAUTHENTICATED);
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(users.calls).hasValue(2);
        assertThat(store.get().accessToken()).as("the refreshed session is kept").isEqualTo("refreshed-1");
    }

    @Test
    void withoutARefreshTokenARejectedCallIsNotRetried() {
        store.save(tokens("stale", 10 * MINUTE, ""));

        assertThatThrownBy(() -> client.users().getMe()).isExactlyInstanceOf(UnauthenticatedException.class);

        assertThat(auth.refreshCalls).hasValue(0);
        assertThat(users.calls).hasValue(1);
        assertThat(store.get()).isNotNull();
    }

    @Test
    void otherUnauthenticatedReasonsAreNotRetried() {
        store.save(tokens("good", 10 * MINUTE, "refresh-a"));
        users.accept("good");
        users.onChangePassword = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        };

        assertThatThrownBy(() -> client.users().changePassword("wrong", "a-new-long-password"))
                .isExactlyInstanceOf(SignInFailedException.class);

        assertThat(auth.refreshCalls).hasValue(0);
        assertThat(users.calls).hasValue(1);
    }

    @Test
    void aRejectedRefreshTokenClearsTheStoreAndEndsTheSession() {
        store.save(tokens("stale", 10 * MINUTE, "reused-refresh"));
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        };

        SessionExpiredException e = catchThrowableOfType(SessionExpiredException.class, () -> client.users().getMe());

        assertThat(e).isInstanceOf(RefreshTokenInvalidException.class).isInstanceOf(UnauthenticatedException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.REFRESH_TOKEN_INVALID);
        assertThat(store.get()).isNull();
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(users.calls).hasValue(1);

        // Signed out now: the next call goes without a token and without a refresh.
        assertThatThrownBy(() -> client.users().getMe()).isExactlyInstanceOf(UnauthenticatedException.class);
        assertThat(users.authorizations).containsExactly("Bearer stale", "");
        assertThat(auth.refreshCalls).hasValue(1);
    }

    @Test
    void aRefreshAnsweredWithUnauthenticatedAlsoEndsTheSession() {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        };

        SessionExpiredException e = catchThrowableOfType(SessionExpiredException.class, () -> client.users().getMe());

        assertThat(e).isExactlyInstanceOf(SessionExpiredException.class);
        assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.getMessage()).contains("session expired");
        assertThat(store.get()).isNull();
    }

    @Test
    void rawStubFailuresOfAnEndedSessionMapToSessionExpired() {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        };

        StatusRuntimeException raw = catchThrowableOfType(StatusRuntimeException.class,
                () -> UserServiceGrpc.newBlockingStub(client.channel()).getUser(GET_ME));

        assertThat(ChargeBotException.from(raw)).isExactlyInstanceOf(SessionExpiredException.class);
        assertThat(store.get()).isNull();
    }

    @Test
    void aFailedRefreshBeforeTheCallEndsTheSessionWithoutSendingIt() {
        store.save(tokens("expiring", 5_000, "dead-refresh"));
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        };

        assertThatThrownBy(() -> client.users().getMe()).isInstanceOf(SessionExpiredException.class);

        assertThat(users.calls).hasValue(0);
        assertThat(store.get()).isNull();
    }

    @Test
    void anUnreachableRefreshBeforeTheCallFallsBackToTheStillValidToken() {
        Tokens expiring = tokens("expiring-but-valid", 20_000, "refresh-a");
        store.save(expiring);
        users.accept("expiring-but-valid");
        auth.onRefresh = r -> {
            throw Status.UNAVAILABLE.withDescription("auth is down").asRuntimeException();
        };

        client.users().getMe();

        assertThat(users.authorizations).containsExactly("Bearer expiring-but-valid");
        assertThat(store.get()).isEqualTo(expiring);
    }

    @Test
    void anUnreachableRefreshAfterARejectionFailsWithItsOwnError() {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        auth.onRefresh = r -> {
            throw Status.UNAVAILABLE.withDescription("auth is down").asRuntimeException();
        };

        assertThatThrownBy(() -> client.users().getMe())
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("Refreshing the access token failed");
        assertThat(store.get()).as("the session may still be fine").isNotNull();
    }

    @Test
    void concurrentCallsWithARejectedTokenShareOneRefresh() throws Exception {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1");
        RefreshTokenResponse fresh = RefreshTokenResponse.newBuilder()
                .setTokens(FakeAuthService.tokens("refreshed-1", "refresh-b", 900)).build();
        auth.onRefresh = r -> {
            sleep(300); // long enough for every caller to need it
            return fresh;
        };

        List<User> results = callConcurrently(20);

        assertThat(results).hasSize(20).containsOnly(FakeAuthService.MINJI);
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(users.authorizations).filteredOn("Bearer refreshed-1"::equals).hasSize(20);
        assertThat(store.get().refreshToken()).isEqualTo("refresh-b");
    }

    @Test
    void concurrentCallsWithAnExpiringTokenShareOneRefresh() throws Exception {
        store.save(tokens("expiring", 10_000, "refresh-a"));
        users.accept("refreshed-1");
        RefreshTokenResponse fresh = RefreshTokenResponse.newBuilder()
                .setTokens(FakeAuthService.tokens("refreshed-1", "refresh-b", 900)).build();
        auth.onRefresh = r -> {
            sleep(300);
            return fresh;
        };

        List<User> results = callConcurrently(20);

        assertThat(results).hasSize(20).containsOnly(FakeAuthService.MINJI);
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(users.authorizations).hasSize(20).containsOnly("Bearer refreshed-1");
    }

    @Test
    void concurrentCallsAllFailWithSessionExpiredWhenTheSharedRefreshIsRejected() throws Exception {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        auth.onRefresh = r -> {
            sleep(300);
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        };
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Throwable>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        client.users().getMe();
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            start.countDown();
            for (Future<Throwable> f : futures) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isInstanceOf(SessionExpiredException.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(auth.refreshCalls).hasValue(1);
        assertThat(store.get()).isNull();
    }

    @Test
    void aCallCancelledWhileItsTokenIsRefreshedIsNeverSent() throws Exception {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1");
        CountDownLatch refreshing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RefreshTokenResponse fresh = RefreshTokenResponse.newBuilder()
                .setTokens(FakeAuthService.tokens("refreshed-1", "refresh-b", 900)).build();
        auth.onRefresh = r -> {
            refreshing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fresh;
        };

        com.google.common.util.concurrent.ListenableFuture<User> call =
                UserServiceGrpc.newFutureStub(client.channel()).getUser(GET_ME);
        assertThat(refreshing.await(10, TimeUnit.SECONDS)).isTrue();
        call.cancel(true);
        release.countDown();

        assertThat(call.isCancelled()).isTrue();
        // The refresh still completes for everyone else, but the cancelled call is not replayed.
        long deadline = System.currentTimeMillis() + 5_000;
        while (!"refreshed-1".equals(store.get().accessToken()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        assertThat(store.get().accessToken()).isEqualTo("refreshed-1");
        assertThat(users.calls).hasValue(1);
    }

    @Test
    void aSingleThreadedClientExecutorDoesNotDeadlockTheRefresh() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            InMemoryTokenStore ownStore = new InMemoryTokenStore();
            ownStore.save(tokens("stale", 10 * MINUTE, "refresh-a"));
            ChargeBotClient singleThreaded = fixture.track(fixture.clientBuilder()
                    .executor(single).tokenStore(ownStore).build());
            users.accept("refreshed-1");

            List<com.google.common.util.concurrent.ListenableFuture<User>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(UserServiceGrpc.newFutureStub(singleThreaded.channel()).getUser(GET_ME));
            }
            for (com.google.common.util.concurrent.ListenableFuture<User> call : calls) {
                assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(FakeAuthService.MINJI);
            }
            assertThat(singleThreaded.users().getMe()).isEqualTo(FakeAuthService.MINJI);
            assertThat(auth.refreshCalls).hasValue(1);
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void anExplicitAccessTokenProviderWinsAndIsNeverRefreshed() {
        InMemoryTokenStore otherStore = new InMemoryTokenStore();
        otherStore.save(tokens("from-store", 5_000, "refresh-a"));
        ChargeBotClient withProvider = fixture.track(fixture.clientBuilder()
                .tokenStore(otherStore)
                .accessTokenProvider(() -> "from-provider")
                .build());

        assertThatThrownBy(() -> withProvider.users().getMe()).isExactlyInstanceOf(UnauthenticatedException.class);

        assertThat(users.authorizations).containsExactly("Bearer from-provider");
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void aCallerChosenAuthorizationHeaderIsKeptAndNotRetried() {
        store.save(tokens("stored", 10 * MINUTE, "refresh-a"));
        io.grpc.Metadata own = new io.grpc.Metadata();
        own.put(BearerTokenCredentials.AUTHORIZATION, "Bearer chosen-by-caller");

        assertThatThrownBy(() -> UserServiceGrpc.newBlockingStub(client.channel())
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(own))
                .getUser(GET_ME))
                .isInstanceOf(StatusRuntimeException.class);

        assertThat(users.authorizations).containsExactly("Bearer chosen-by-caller");
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void theDefaultDeadlineCoversTheWholeCall() {
        store.save(tokens("stale", 10 * MINUTE, "refresh-a"));
        users.accept("refreshed-1");
        RefreshTokenResponse fresh = RefreshTokenResponse.newBuilder()
                .setTokens(FakeAuthService.tokens("refreshed-1", "refresh-b", 900)).build();
        auth.onRefresh = r -> {
            sleep(500);
            return fresh;
        };

        client.users().getMe();

        assertThat(users.calls).hasValue(2);
        assertThat(users.deadlines).hasSize(2).allSatisfy(d -> assertThat(d).isNotNull());
        long first = users.deadlines.get(0).timeRemaining(TimeUnit.MILLISECONDS);
        long second = users.deadlines.get(1).timeRemaining(TimeUnit.MILLISECONDS);
        assertThat(second).as("the retry keeps the first attempt's deadline, not a new one")
                .isLessThanOrEqualTo(first + 100);
    }

    @Test
    void streamingCallsGetARefreshedTokenBeforeTheyStart() {
        store.save(tokens("expiring", 10_000, "refresh-a"));

        Iterator<WatchRobotStatesResponse> stream = RobotServiceGrpc.newBlockingStub(client.channel())
                .watchRobotStates(WatchRobotStatesRequest.getDefaultInstance());

        assertThat(stream.next().getInitial()).isTrue();
        assertThat(robots.authorizations).containsExactly("Bearer refreshed-1");
        assertThat(auth.refreshCalls).hasValue(1);
    }

    @Test
    void streamingCallsFailWithSessionExpiredWhenTheRefreshIsRejected() {
        store.save(tokens("expiring", 10_000, "refresh-a"));
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        };

        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> RobotServiceGrpc.newBlockingStub(client.channel())
                        .watchRobotStates(WatchRobotStatesRequest.getDefaultInstance()).next());

        assertThat(ChargeBotException.from(e)).isInstanceOf(SessionExpiredException.class);
        assertThat(robots.authorizations).isEmpty();
        assertThat(store.get()).isNull();
    }

    private List<User> callConcurrently(int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<User>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return client.users().getMe();
                }));
            }
            start.countDown();
            List<User> results = new ArrayList<>();
            for (Future<User> f : futures) {
                results.add(f.get(20, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Streams one snapshot and stays open; records the authorization of each call. */
    static final class FakeRobotService extends RobotServiceGrpc.RobotServiceImplBase {
        final List<String> authorizations = new CopyOnWriteArrayList<>();

        @Override
        public void watchRobotStates(WatchRobotStatesRequest request, StreamObserver<WatchRobotStatesResponse> out) {
            String authorization = InProcessFixture.AUTHORIZATION.get();
            authorizations.add(authorization == null ? "" : authorization);
            out.onNext(WatchRobotStatesResponse.newBuilder().setInitial(true).build());
            out.onCompleted();
        }
    }
}
