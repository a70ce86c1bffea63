package io.chargebot.server.license;

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
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which verifier configuration selects, and which configurations stop the server from starting. */
class LicenseVerifierSelectionTest {

    private static final RuntimeProfile LOCAL = new RuntimeProfile("local");
    private static final RuntimeProfile PRODUCTION = new RuntimeProfile("production");

    private static LicenseVerifier create(RuntimeProfile profile, String provider, String url, String key) {
        return LicenseVerifierFactory.create(profile, provider, url, key, "Authorization", Duration.ofSeconds(3),
                Duration.ofSeconds(5));
    }

    private static ApplicationContext startWithEnvironment(Map<String, Object> variables) {
        return IsolatedContext.start("io.chargebot.server.license.", PropertySource.of("test-env", variables,
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));
    }

    @Test
    void unsetMeansTheLocalVerifierInTheLocalProfile() {
        try (ApplicationContext context = startWithEnvironment(Map.of())) {
            assertThat(context.getBean(LicenseVerifier.class)).isInstanceOf(LocalLicenseVerifier.class);
        }
    }

    @Test
    void productionRefusesToStartWithTheLocalVerifier() {
        for (Map<String, Object> env : java.util.List.<Map<String, Object>>of(
                Map.of("CHARGEBOT_PROFILE", "production"),
                Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_LICENSE_PROVIDER", "local"))) {
            assertThatThrownBy(() -> startWithEnvironment(env).close())
                    .satisfies(e -> assertThat(IsolatedContext.messages(e))
                            .contains(ConfigurationException.class.getName())
                            .contains("driver's licence verifier")
                            .contains("CHARGEBOT_PROFILE=production")
                            .contains("CHARGEBOT_LICENSE_PROVIDER=http"));
        }
    }

    @Test
    void httpWithoutUrlRefusesToStartNamingTheSetting() {
        Map<String, Object> env = Map.of("CHARGEBOT_LICENSE_PROVIDER", "http", "CHARGEBOT_LICENSE_HTTP_API_KEY", "k");

        assertThatThrownBy(() -> startWithEnvironment(env).close())
                .satisfies(e -> assertThat(IsolatedContext.messages(e))
                        .contains(ConfigurationException.class.getName())
                        .contains("CHARGEBOT_LICENSE_HTTP_URL")
                        .contains("chargebot.license.http.url"));
    }

    @Test
    void httpWithoutApiKeyRefusesToStartNamingTheSetting() {
        Map<String, Object> env = Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_LICENSE_PROVIDER", "http",
                "CHARGEBOT_LICENSE_HTTP_URL", "https://verifier.example.com/v1/verify");

        assertThatThrownBy(() -> startWithEnvironment(env).close())
                .satisfies(e -> assertThat(IsolatedContext.messages(e)).contains("CHARGEBOT_LICENSE_HTTP_API_KEY"));
    }

    @Test
    void environmentVariablesSelectAndConfigureTheHttpVerifier() throws Exception {
        try (FakeProvider provider = new FakeProvider()) {
            provider.respond(200, "{\"code\":\"00\",\"result\":\"정상\",\"meaning\":\"이상없음\"}");
            Map<String, Object> env = new HashMap<>();
            env.put("CHARGEBOT_LICENSE_PROVIDER", "http");
            env.put("CHARGEBOT_LICENSE_HTTP_URL", provider.uri("/verify").toString());
            env.put("CHARGEBOT_LICENSE_HTTP_API_KEY", "env-key");
            env.put("CHARGEBOT_LICENSE_HTTP_API_KEY_HEADER", "x-api-key");
            env.put("CHARGEBOT_LICENSE_HTTP_REQUEST_TIMEOUT", "2s");

            try (ApplicationContext context = startWithEnvironment(env)) {
                LicenseVerifier verifier = context.getBean(LicenseVerifier.class);
                assertThat(verifier).isInstanceOf(HttpLicenseVerifier.class);

                LicenseCheck check = verifier.verify(new LicenseQuery(LocalDate.of(1990, 1, 2), "김철수",
                        LicenseNumber.parse("12-90-111111-22"), "AB1234"));

                assertThat(check.valid()).isTrue();
                assertThat(provider.take().header("x-api-key")).isEqualTo("env-key");
            }
        }
    }

    @Test
    void micronautPropertyNamesWorkToo() {
        Map<String, Object> properties = Map.of("chargebot.license.provider", "http",
                "chargebot.license.http.url", "http://127.0.0.1:9/verify", "chargebot.license.http.api-key", "k");

        try (ApplicationContext context = IsolatedContext.start("io.chargebot.server.license.", PropertySource.of("test", properties))) {
            assertThat(context.getBean(LicenseVerifier.class)).isInstanceOf(HttpLicenseVerifier.class);
        }
    }

    @Test
    void factoryChecksEverySetting() {
        assertThat(create(LOCAL, "local", null, null)).isInstanceOf(LocalLicenseVerifier.class);
        assertThat(create(LOCAL, " HTTP ", "http://127.0.0.1:9/v", "k")).isInstanceOf(HttpLicenseVerifier.class);
        assertThat(create(PRODUCTION, "http", "https://verifier.example.com/v", "k")).isInstanceOf(HttpLicenseVerifier.class);

        assertThatThrownBy(() -> create(PRODUCTION, "local", null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_PROVIDER");
        assertThatThrownBy(() -> create(LOCAL, "rims", null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_PROVIDER")
                .hasMessageContaining("expected: http or local");
        assertThatThrownBy(() -> create(LOCAL, "http", " ", "k"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_URL");
        assertThatThrownBy(() -> create(LOCAL, "http", "ftp://verifier.example.com/v", "k"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_URL");
        assertThatThrownBy(() -> create(LOCAL, "http", "verifier.example.com/v", "k"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_URL");
        assertThatThrownBy(() -> create(PRODUCTION, "http", "http://verifier.example.com/v", "k"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("https URL is required");
        assertThatThrownBy(() -> create(LOCAL, "http", "https://user:pw@verifier.example.com/v", "k"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> create(LOCAL, "http", "https://verifier.example.com/v", ""))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_API_KEY");
        assertThatThrownBy(() -> create(LOCAL, "http", "https://verifier.example.com/v", "two words"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_API_KEY")
                .hasMessageNotContaining("two words");
        assertThatThrownBy(() -> LicenseVerifierFactory.create(LOCAL, "http", "https://v.example.com", "k", "Host",
                Duration.ofSeconds(3), Duration.ofSeconds(5)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_API_KEY_HEADER");
        assertThatThrownBy(() -> LicenseVerifierFactory.create(LOCAL, "http", "https://v.example.com", "k", "Authorization",
                Duration.ZERO, Duration.ofSeconds(5)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_LICENSE_HTTP_CONNECT_TIMEOUT");
    }

    @Test
    void theFullServerStartsWithTheLocalVerifierByDefault() {
        try (ChargeBotServer server = TestServers.start(Map.of())) {
            LicenseVerifier verifier = server.context().getBean(LicenseVerifier.class);

            assertThat(verifier).isInstanceOf(LocalLicenseVerifier.class);
            assertThat(verifier.verify(new LicenseQuery(LocalDate.of(1999, 8, 23), "홍길동",
                    LicenseNumber.parse("11-23-123456-01"), "AB1234")).valid()).isTrue();
        }
    }
}
