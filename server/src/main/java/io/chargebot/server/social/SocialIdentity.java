package io.chargebot.server.social;

import static java.util.Objects.requireNonNull;

import io.micronaut.core.annotation.Nullable;

/**
 * Whose account an OAuth access token belongs to, as the provider reports it.
 *
 * @param provider the provider that issued the token
 * @param snsId    the provider's id of the user for this app (seed 001 snsId), 1..100 characters;
 *                 Kakao's numeric id is given in decimal
 * @param email    the account's e-mail if the user agreed to share it (Kakao: only a valid, verified one)
 * @param name     the account's name (Kakao: the name if shared, else the profile nickname; Naver: the
 *                 name if shared, else the nickname)
 */
public record SocialIdentity(SocialProvider provider, String snsId, @Nullable String email, @Nullable String name) {

    static final int MAX_SNS_ID = 100;

    public SocialIdentity {
        requireNonNull(provider, "provider");
        requireNonNull(snsId, "snsId");
        if (snsId.isBlank() || snsId.length() > MAX_SNS_ID) {
            throw new IllegalArgumentException("snsId: " + snsId.length() + " characters (expected: 1.." + MAX_SNS_ID + ")");
        }
    }
}
