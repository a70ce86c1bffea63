package io.chargebot.server.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The documented rules of the local development provider. */
class LocalSocialIdentityTest {

    private final SocialIdentityVerifier verifier = SocialIdentityVerifierFactory.create(new RuntimeProfile("local"),
            new SocialIdentityVerifierFactory.Settings("local", null, null, null, Duration.ofSeconds(3), Duration.ofSeconds(5)));

    @Test
    void localKakaoTokensResolveToTheirId() {
        assertThat(verifier.verify(SocialProvider.KAKAO, "local-kakao-1234567890")).contains(new SocialIdentity(
                SocialProvider.KAKAO, "1234567890", "kakao-1234567890@example.com", "Kakao user 1234567890"));
    }

    @Test
    void localNaverTokensResolveToTheirId() {
        assertThat(verifier.verify(SocialProvider.NAVER, "local-naver-dev_user-1")).contains(new SocialIdentity(
                SocialProvider.NAVER, "dev_user-1", "naver-dev_user-1@example.com", "Naver user dev_user-1"));
    }

    @Test
    void aTokenOfTheOtherProviderIsInvalid() {
        assertThat(verifier.verify(SocialProvider.NAVER, "local-kakao-1234567890")).isEmpty();
        assertThat(verifier.verify(SocialProvider.KAKAO, "local-naver-abc")).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "local-kakao-", "local-kakao", "kakao-123", "LOCAL-KAKAO-1", "local-kakao-a.b",
            "local-kakao-1 ", "x-local-kakao-1", "AAAAOLtP40eH6P5S4Z4FpFl77n3FD5I"})
    void anythingElseIsInvalid(String token) {
        assertThat(verifier.verify(SocialProvider.KAKAO, token)).isEmpty();
    }

    @Test
    void idsAreAtMost64Characters() {
        assertThat(verifier.verify(SocialProvider.KAKAO, "local-kakao-" + "1".repeat(64))).isPresent();
        assertThat(verifier.verify(SocialProvider.KAKAO, "local-kakao-" + "1".repeat(65))).isEmpty();
    }

    @Test
    void theUnavailableIdSimulatesAnOutage() {
        for (String token : new String[] {"local-kakao-unavailable", "local-naver-unavailable"}) {
            SocialProvider provider = token.contains("kakao") ? SocialProvider.KAKAO : SocialProvider.NAVER;
            assertThatThrownBy(() -> verifier.verify(provider, token))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
                    });
        }
    }

    @Test
    void joinPathsMapToProviders() {
        assertThat(SocialProvider.of(io.chargebot.user.v1.JoinPath.JOIN_PATH_KAKAO)).contains(SocialProvider.KAKAO);
        assertThat(SocialProvider.of(io.chargebot.user.v1.JoinPath.JOIN_PATH_NAVER)).contains(SocialProvider.NAVER);
        assertThat(SocialProvider.of(io.chargebot.user.v1.JoinPath.JOIN_PATH_HOME)).isEmpty();
        assertThat(SocialProvider.of(io.chargebot.user.v1.JoinPath.JOIN_PATH_UNSPECIFIED)).isEmpty();
        for (SocialProvider provider : SocialProvider.values()) {
            assertThat(SocialProvider.of(provider.joinPath())).contains(provider);
        }
    }
}
