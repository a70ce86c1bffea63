package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;
import javax.annotation.Nullable;

/**
 * The stored access token as call credentials, for streaming calls: refreshed before the call when
 * it is about to expire, never replayed after the call started (see {@link SessionInterceptor}).
 */
final class SessionCredentials extends CallCredentials {

    private final SessionManager session;

    SessionCredentials(SessionManager session) {
        this.session = requireNonNull(session, "session");
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, final MetadataApplier applier) {
        // The store may read storage: not on a transport thread.
        appExecutor.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    session.tokenForCall(new SessionManager.TokenCallback() {
                        @Override
                        public void onToken(@Nullable String accessToken) {
                            Metadata headers = new Metadata();
                            if (accessToken != null && !accessToken.isEmpty()) {
                                headers.put(BearerTokenCredentials.AUTHORIZATION, "Bearer " + accessToken);
                            }
                            applier.apply(headers);
                        }

                        @Override
                        public void onFailure(Status status, Metadata trailers) {
                            applier.fail(status);
                        }
                    });
                } catch (RuntimeException e) {
                    applier.fail(Status.UNAUTHENTICATED.withDescription("The token store failed: " + e).withCause(e));
                }
            }
        });
    }
}
