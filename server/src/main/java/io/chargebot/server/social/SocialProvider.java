package io.chargebot.server.social;

import io.chargebot.user.v1.JoinPath;
import java.util.Optional;

/** A social identity provider an account can sign up and sign in with (seed 001 joinPath KAKAO / NAVER). */
public enum SocialProvider {
    KAKAO("Kakao"),
    NAVER("Naver");

    private final String displayName;

    SocialProvider(String displayName) {
        this.displayName = displayName;
    }

    /** The provider's name for messages, e.g. "Kakao". */
    public String displayName() {
        return displayName;
    }

    /** The provider of a join path; empty for HOME and UNSPECIFIED. */
    public static Optional<SocialProvider> of(JoinPath joinPath) {
        switch (joinPath) {
            case JOIN_PATH_KAKAO:
                return Optional.of(KAKAO);
            case JOIN_PATH_NAVER:
                return Optional.of(NAVER);
            default:
                return Optional.empty();
        }
    }

    /** The join path that records sign-up with this provider. */
    public JoinPath joinPath() {
        return this == KAKAO ? JoinPath.JOIN_PATH_KAKAO : JoinPath.JOIN_PATH_NAVER;
    }
}
