package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.RefreshTokenRequest;
import io.chargebot.auth.v1.RefreshTokenResponse;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * The signed-in session of a client: its {@link TokenStore} and the single-flight refresh of its
 * access token.
 *
 * <p>At most one {@code RefreshToken} call is in flight at a time; every caller that needs a new
 * token while it runs waits for the same answer. A caller whose stale token was already replaced
 * gets the newer token without another refresh. A refresh the server answers with
 * {@code UNAUTHENTICATED} (e.g. {@code REFRESH_TOKEN_INVALID}) ends the session: the store is
 * cleared and waiters fail with a status whose cause is {@link SessionEnded}.
 */
final class SessionManager {

    /** An access token that expires within this margin is refreshed before a call. */
    static final long REFRESH_MARGIN_MILLIS = 30_000;

    /** Receives the access token for a call, or why there is none. Called exactly once. */
    interface TokenCallback {
        /** The token to send; {@code null} when signed out (send none). */
        void onToken(@Nullable String accessToken);

        /** The call must fail with this status (the refresh failed). */
        void onFailure(Status status, Metadata trailers);
    }

    private final TokenStore store;
    private final Channel refreshChannel;
    private final long refreshTimeoutNanos;
    private final Object lock = new Object();
    /** The callers waiting for the refresh in flight; null when none is. Guarded by lock. */
    @Nullable
    private List<TokenCallback> waiters;

    /**
     * @param refreshChannel a channel that adds no access token (the client's raw channel)
     * @param refreshTimeoutNanos the deadline of a refresh call
     */
    SessionManager(TokenStore store, Channel refreshChannel, long refreshTimeoutNanos) {
        this.store = requireNonNull(store, "store");
        this.refreshChannel = requireNonNull(refreshChannel, "refreshChannel");
        this.refreshTimeoutNanos = refreshTimeoutNanos;
    }

    TokenStore store() {
        return store;
    }

    @Nullable
    Tokens tokens() {
        return store.get();
    }

    /** Stores the tokens of a new session (sign-in, sign-up). */
    void signedIn(AuthTokens tokens) {
        Tokens fresh = Tokens.from(tokens, System.currentTimeMillis());
        synchronized (lock) {
            store.save(fresh);
        }
    }

    /** Forgets the session (sign-out, account deleted). */
    void signedOut() {
        synchronized (lock) {
            store.clear();
        }
    }

    /**
     * Gets the token for a new call: the stored one, refreshed first when it expires within
     * {@link #REFRESH_MARGIN_MILLIS} and a refresh token exists. If that refresh fails for a reason
     * other than the session's end (e.g. the network) while the old token has not yet expired, the
     * old token is used.
     */
    void tokenForCall(final TokenCallback callback) {
        final Tokens tokens = store.get();
        if (tokens == null) {
            callback.onToken(null);
            return;
        }
        if (!tokens.hasRefreshToken()
                || !tokens.accessTokenExpiresWithin(REFRESH_MARGIN_MILLIS, System.currentTimeMillis())) {
            callback.onToken(tokens.accessToken());
            return;
        }
        refresh(tokens.accessToken(), new TokenCallback() {
            @Override
            public void onToken(@Nullable String accessToken) {
                callback.onToken(accessToken);
            }

            @Override
            public void onFailure(Status status, Metadata trailers) {
                if (!SessionEnded.in(status.getCause())
                        && tokens.accessTokenExpireTimeMillis() > System.currentTimeMillis()) {
                    callback.onToken(tokens.accessToken());
                } else {
                    callback.onFailure(status, trailers);
                }
            }
        });
    }

    /**
     * Gets a token to replace {@code staleAccessToken}: the stored one if it is already newer,
     * otherwise the result of a refresh (joining the one in flight, if any). {@code null} when
     * signed out or there is no refresh token: nothing to retry with.
     */
    void refresh(String staleAccessToken, TokenCallback callback) {
        requireNonNull(staleAccessToken, "staleAccessToken");
        requireNonNull(callback, "callback");
        String refreshToken;
        Tokens current;
        synchronized (lock) {
            if (waiters != null) {
                waiters.add(callback);
                return;
            }
            current = store.get();
            if (current == null || !current.hasRefreshToken()) {
                refreshToken = null;
            } else if (!current.accessToken().equals(staleAccessToken)) {
                refreshToken = null; // someone refreshed already
            } else {
                refreshToken = current.refreshToken();
                waiters = new ArrayList<>();
                waiters.add(callback);
            }
        }
        if (refreshToken == null) {
            callback.onToken(current == null ? null
                    : current.accessToken().equals(staleAccessToken) ? null : current.accessToken());
            return;
        }
        startRefresh(refreshToken);
    }

    private void startRefresh(final String refreshToken) {
        // The refresh is shared: it must not be cancelled with the Context of the call that started it.
        Context previous = Context.ROOT.attach();
        try {
            ClientCall<RefreshTokenRequest, RefreshTokenResponse> call = refreshChannel.newCall(
                    AuthServiceGrpc.getRefreshTokenMethod(),
                    CallOptions.DEFAULT.withDeadlineAfter(refreshTimeoutNanos, TimeUnit.NANOSECONDS));
            ClientCalls.asyncUnaryCall(call, RefreshTokenRequest.newBuilder().setRefreshToken(refreshToken).build(),
                    new StreamObserver<RefreshTokenResponse>() {
                        @Nullable
                        private RefreshTokenResponse response;

                        @Override
                        public void onNext(RefreshTokenResponse value) {
                            response = value;
                        }

                        @Override
                        public void onError(Throwable t) {
                            Metadata trailers = Status.trailersFromThrowable(t);
                            failed(refreshToken, Status.fromThrowable(t), trailers == null ? new Metadata() : trailers);
                        }

                        @Override
                        public void onCompleted() {
                            if (response == null || response.getTokens().getAccessToken().isEmpty()) {
                                failed(refreshToken, Status.INTERNAL.withDescription("RefreshToken replied without tokens"),
                                        new Metadata());
                            } else {
                                refreshed(refreshToken, response.getTokens());
                            }
                        }
                    });
        } catch (RuntimeException e) {
            failed(refreshToken, Status.fromThrowable(e), new Metadata());
        } finally {
            Context.ROOT.detach(previous);
        }
    }

    private void refreshed(String usedRefreshToken, AuthTokens reply) {
        Tokens fresh = Tokens.from(reply, System.currentTimeMillis());
        List<TokenCallback> done;
        synchronized (lock) {
            Tokens current = store.get();
            // Unless the user signed out or in meanwhile: never bring a session back.
            if (current != null && current.refreshToken().equals(usedRefreshToken)) {
                store.save(fresh);
            }
            done = waiters;
            waiters = null;
        }
        for (TokenCallback callback : done) {
            try {
                callback.onToken(fresh.accessToken());
            } catch (RuntimeException e) {
                // One caller's failure must not keep the others waiting.
            }
        }
    }

    private void failed(String usedRefreshToken, Status status, Metadata trailers) {
        boolean ended = status.getCode() == Status.Code.UNAUTHENTICATED
                || ErrorDetails.from(status.asRuntimeException(trailers)).reason == ErrorReason.REFRESH_TOKEN_INVALID;
        List<TokenCallback> done;
        synchronized (lock) {
            if (ended) {
                Tokens current = store.get();
                if (current != null && current.refreshToken().equals(usedRefreshToken)) {
                    store.clear();
                }
            }
            done = waiters;
            waiters = null;
        }
        String description = status.getDescription() == null ? "" : ": " + status.getDescription();
        Status result = ended
                ? status.withDescription("The session expired; sign in again (refresh failed" + description + ")")
                        .withCause(new SessionEnded())
                : status.withDescription("Refreshing the access token failed" + description);
        for (TokenCallback callback : done) {
            Metadata copy = new Metadata();
            copy.merge(trailers);
            try {
                callback.onFailure(result, copy);
            } catch (RuntimeException e) {
                // One caller's failure must not keep the others waiting.
            }
        }
    }
}
