package io.chargebot.server.social;

import io.chargebot.server.testing.IsolatedContext;
import io.chargebot.server.testing.FakeProvider;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.testing.TestServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which social sign-in configuration selects, and which configurations stop the server from starting. */
class SocialIdentityVerifierSelectionTest {

    private static final RuntimeProfile LOCAL = new RuntimeProfile("local");
    private static final RuntimeProfile PRODUCTION = new RuntimeProfile("production");

    private static SocialIdentityVerifier create(RuntimeProfile profile, String provider, String kakaoUrl, String appId,
                                                 String naverUrl) {
        return SocialIdentityVerifierFactory.create(profile, new SocialIdentityVerifierFactory.Settings(provider, kakaoUrl,
                appId, naverUrl, Duration.ofSeconds(3), Duration.ofSeconds(5)));
    }

    private static ApplicationContext startWithEnvironment(Map<String, Object> variables) {
        return IsolatedContext.start("io.chargebot.server.social.", PropertySource.of("test-env", variables,
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));
    }

    @Test
    void unsetMeansLocalSignInInTheLocalProfile() {
        try (ApplicationContext context = startWithEnvironment(Map.of())) {
            SocialIdentityVerifier verifier = context.getBean(SocialIdentityVerifier.class);

            assertThat(verifier.verify(SocialProvider.KAKAO, "local-kakao-7")).isPresent();
        }
    }

    @Test
    void productionRefusesToStartWithLocalSignIn() {
        for (Map<String, Object> env : List.<Map<String, Object>>of(
                Map.of("CHARGEBOT_PROFILE", "production"),
                Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_SOCIAL_PROVIDER", "local"))) {
            assertThatThrownBy(() -> startWithEnvironment(env).close())
                    .satisfies(e -> assertThat(IsolatedContext.messages(e))
                            .contains(ConfigurationException.class.getName())
                            .contains("social sign-in")
                            .contains("CHARGEBOT_PROFILE=production")
                            .contains("CHARGEBOT_SOCIAL_PROVIDER"));
        }
    }

    @Test
    void productionStartsWithTheRealProviders() {
        try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PROFILE", "production",
                "CHARGEBOT_SOCIAL_PROVIDER", "real", "CHARGEBOT_SOCIAL_KAKAO_APP_ID", "1234567"))) {
            SocialIdentityVerifier verifier = context.getBean(SocialIdentityVerifier.class);

            assertThat(verifier.toString()).contains("Kakao https://kapi.kakao.com (app 1234567)")
                    .contains("Naver https://openapi.naver.com")
                    .doesNotContain("local");
        }
    }

    @Test
    void environmentVariablesConfigureTheRealAdapters() throws Exception {
        try (FakeProvider kakao = new FakeProvider(); FakeProvider naver = new FakeProvider()) {
            kakao.respond(200, "{\"id\":77}");
            naver.respond(200, "{\"resultcode\":\"00\",\"message\":\"success\",\"response\":{\"id\":\"n-77\"}}");
            Map<String, Object> env = Map.of("CHARGEBOT_SOCIAL_PROVIDER", "kakao,naver",
                    "CHARGEBOT_SOCIAL_KAKAO_BASE_URL", kakao.uri("").toString(),
                    "CHARGEBOT_SOCIAL_NAVER_BASE_URL", naver.uri("").toString(),
                    "CHARGEBOT_SOCIAL_REQUEST_TIMEOUT", "2s");

            try (ApplicationContext context = startWithEnvironment(env)) {
                SocialIdentityVerifier verifier = context.getBean(SocialIdentityVerifier.class);

                assertThat(verifier.verify(SocialProvider.KAKAO, "kakao-token")).map(SocialIdentity::snsId).contains("77");
                assertThat(verifier.verify(SocialProvider.NAVER, "naver-token")).map(SocialIdentity::snsId).contains("n-77");
                assertThat(kakao.take().header("Authorization")).isEqualTo("Bearer kakao-token");
                assertThat(naver.take().header("Authorization")).isEqualTo("Bearer naver-token");
            }
        }
    }

    @Test
    void factoryChecksEverySetting() {
        assertThat(create(LOCAL, " Real ", null, null, null).toString()).contains("kapi.kakao.com").contains("openapi.naver.com");
        assertThat(create(LOCAL, "naver", null, null, null).toString()).doesNotContain("Kakao");
        assertThat(create(PRODUCTION, "kakao, naver", "https://kapi.example.com/", "1", null).toString())
                .contains("kapi.example.com");

        assertThatThrownBy(() -> create(PRODUCTION, "local", null, null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_PROVIDER");
        for (String bad : new String[] {"google", "", "kakao,", "kakao,local", "local,naver"}) {
            assertThatThrownBy(() -> create(LOCAL, bad, null, null, null))
                    .as(bad)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("CHARGEBOT_SOCIAL_PROVIDER")
                    .hasMessageContaining("expected: local, real, or a comma-separated list of kakao, naver");
        }
        assertThatThrownBy(() -> create(PRODUCTION, "real", "http://kapi.kakao.com", null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_KAKAO_BASE_URL")
                .hasMessageContaining("https URL is required");
        assertThatThrownBy(() -> create(LOCAL, "real", null, null, "openapi.naver.com"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_NAVER_BASE_URL");
        assertThatThrownBy(() -> create(LOCAL, "real", "https://kapi.kakao.com?x=1", null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_KAKAO_BASE_URL");
        assertThatThrownBy(() -> create(LOCAL, "kakao", null, "my-app", null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_KAKAO_APP_ID");
        assertThatThrownBy(() -> SocialIdentityVerifierFactory.create(LOCAL, new SocialIdentityVerifierFactory.Settings(
                "real", null, null, null, Duration.ofSeconds(3), Duration.ofMinutes(2))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_SOCIAL_REQUEST_TIMEOUT");
    }

    @Test
    void theFullServerStartsWithLocalSignInByDefault() {
        try (ChargeBotServer server = TestServers.start(Map.of())) {
            SocialIdentityVerifier verifier = server.context().getBean(SocialIdentityVerifier.class);

            assertThat(verifier.verify(SocialProvider.NAVER, "local-naver-abc")).map(SocialIdentity::snsId).contains("abc");
        }
    }
}
