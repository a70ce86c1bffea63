package io.chargebot.server.social;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link SocialIdentityVerifier}: checks that a token is shaped like an OAuth bearer token
 * (RFC 6750 b64token, at most 4096 characters; anything else is invalid without asking anyone),
 * then asks the adapter of the token's provider — Kakao's or Naver's API, or the local development
 * rules ({@link LocalSocialIdentityAdapter}).
 */
public final class DispatchingSocialIdentityVerifier implements SocialIdentityVerifier {

    static final int MAX_TOKEN_LENGTH = 4096;

    private final Map<SocialProvider, SocialIdentityAdapter> adapters;

    DispatchingSocialIdentityVerifier(Map<SocialProvider, SocialIdentityAdapter> adapters) {
        this.adapters = new EnumMap<>(requireNonNull(adapters, "adapters"));
    }

    @Override
    public Optional<SocialIdentity> verify(SocialProvider provider, String accessToken) {
        requireNonNull(provider, "provider");
        requireNonNull(accessToken, "accessToken");
        SocialIdentityAdapter adapter = adapters.get(provider);
        if (adapter == null) {
            throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                    "sign-in with " + provider.displayName() + " is not enabled on this server");
        }
        if (!wellFormed(accessToken)) {
            return Optional.empty();
        }
        return adapter.fetch(accessToken);
    }

    /** RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
    static boolean wellFormed(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return false;
        }
        int end = token.length();
        while (end > 0 && token.charAt(end - 1) == '=') {
            end--;
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return adapters.values().toString();
    }
}
