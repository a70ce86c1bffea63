package io.chargebot.server.social;

import java.util.Optional;

/** One provider's way of resolving a (well-formed) access token; see {@link SocialIdentityVerifier#verify}. */
interface SocialIdentityAdapter {

    Optional<SocialIdentity> fetch(String accessToken);
}
