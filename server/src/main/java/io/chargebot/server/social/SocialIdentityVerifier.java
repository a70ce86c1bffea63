package io.chargebot.server.social;

import java.util.Optional;

/**
 * Port to the social identity providers (Kakao, Naver): resolves an access token the app obtained
 * through the provider's login SDK to the provider's account. Chosen by {@code chargebot.social.provider}.
 */
public interface SocialIdentityVerifier {

    /**
     * Resolves whose account an OAuth access token belongs to. Never logs the token.
     *
     * @return the account, or empty when the provider says the token is invalid or expired (Kakao
     *         HTTP 401, Naver HTTP 401 / resultcode other than "00"), or when the token is not even
     *         shaped like one (more than 4096 characters, characters outside RFC 6750's b64token)
     * @throws io.chargebot.server.error.ApiException UNAVAILABLE / PROVIDER_UNAVAILABLE when the provider
     *         is unreachable, too slow or misbehaves; FAILED_PRECONDITION when this server has sign-in
     *         with {@code provider} turned off; DEADLINE_EXCEEDED when the caller's gRPC deadline passes first
     */
    Optional<SocialIdentity> verify(SocialProvider provider, String accessToken);
}
