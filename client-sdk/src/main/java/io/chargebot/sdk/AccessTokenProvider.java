package io.chargebot.sdk;

import javax.annotation.Nullable;

/**
 * Supplies the access token sent as {@code authorization: Bearer <token>} on every call.
 *
 * <p>It is called once per call, on the client's executor (never on the caller's thread), so it
 * may block briefly, for example to refresh an expired token. Return {@code null} when the user is
 * signed out: the call then goes without an {@code authorization} header. A thrown exception fails
 * the call with {@link UnauthenticatedException}.
 */
public interface AccessTokenProvider {

    /** A provider that never has a token: calls go unauthenticated. The default. */
    AccessTokenProvider NONE = new AccessTokenProvider() {
        @Override
        public String accessToken() {
            return null;
        }
    };

    /** Returns the current access token, or {@code null} when there is none. */
    @Nullable
    String accessToken() throws Exception;
}
