package io.chargebot.server.geocode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.IsolatedContext;
import io.chargebot.server.testing.MutableClock;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which geocoder the configuration selects, and which configurations stop the server from starting. */
class GeocoderSelectionTest {

    private static final RuntimeProfile LOCAL = new RuntimeProfile("local");
    private static final RuntimeProfile PRODUCTION = new RuntimeProfile("production");

    private static ApplicationContext startWithEnvironment(Map<String, Object> variables) {
        return IsolatedContext.start("io.chargebot.server.geocode.", PropertySource.of("test-env", variables,
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE));
    }

    private static Geocoder create(RuntimeProfile profile, String naverId, String naverSecret, String naverUrl,
                                   String kakaoKey, String kakaoUrl) {
        return GeocoderFactory.create(profile, new MutableClock(), new GeocoderFactory.Settings(naverId, naverSecret,
                naverUrl, kakaoKey, kakaoUrl, Duration.ofSeconds(2), Duration.ofSeconds(3), 100, Duration.ofHours(1)));
    }

    @Test
    void withoutProvidersTheLocalDevelopmentGeocoderAnswers() {
        try (ApplicationContext context = startWithEnvironment(Map.of())) {
            Geocoder geocoder = context.getBean(Geocoder.class);

            assertThat(geocoder).isInstanceOf(LocalDevelopmentGeocoder.class);
            assertThat(geocoder.geocode("강남역")).get().extracting(GeocodedPlace::source).isEqualTo("local");
        }
    }

    @Test
    void productionRefusesToStartWithoutAProvider() {
        assertThatThrownBy(() -> startWithEnvironment(Map.of("CHARGEBOT_PROFILE", "production")).close())
                .satisfies(e -> assertThat(IsolatedContext.messages(e))
                        .contains(ConfigurationException.class.getName())
                        .contains("place search (geocoder)")
                        .contains("CHARGEBOT_PROFILE=production")
                        .contains("CHARGEBOT_GEOCODER_NAVER_CLIENT_ID")
                        .contains("CHARGEBOT_GEOCODER_KAKAO_REST_KEY"));
    }

    @Test
    void productionStartsWithEitherProviderAndAsksNaverFirst() {
        try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PROFILE", "production",
                "CHARGEBOT_GEOCODER_NAVER_CLIENT_ID", "id", "CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET", "secret-value",
                "CHARGEBOT_GEOCODER_KAKAO_REST_KEY", "kakao-rest-key"))) {
            assertThat(context.getBean(Geocoder.class).toString())
                    .contains("Naver local search https://openapi.naver.com, then Kakao local search https://dapi.kakao.com")
                    .doesNotContain("secret-value").doesNotContain("kakao-rest-key");
        }
        try (ApplicationContext context = startWithEnvironment(Map.of("CHARGEBOT_PROFILE", "production",
                "CHARGEBOT_GEOCODER_KAKAO_REST_KEY", "kakao-rest-key"))) {
            assertThat(context.getBean(Geocoder.class).toString()).contains("Kakao").doesNotContain("Naver");
        }
    }

    @Test
    void environmentVariablesConfigureTheProviders() throws Exception {
        try (FakeProvider naver = new FakeProvider(); FakeProvider kakao = new FakeProvider()) {
            naver.respond(200, "{\"items\":[]}");
            kakao.respond(200, "{\"documents\":[{\"place_name\":\"서울역\",\"address_name\":\"서울 중구 봉래동2가 122\","
                    + "\"x\":\"126.970606917394\",\"y\":\"37.5546788388674\"}]}");
            Map<String, Object> env = Map.of(
                    "CHARGEBOT_GEOCODER_NAVER_CLIENT_ID", "env-id", "CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET", "env-secret",
                    "CHARGEBOT_GEOCODER_NAVER_BASE_URL", naver.uri("").toString(),
                    "CHARGEBOT_GEOCODER_KAKAO_REST_KEY", "env-kakao", "CHARGEBOT_GEOCODER_KAKAO_BASE_URL", kakao.uri("").toString(),
                    "CHARGEBOT_GEOCODER_REQUEST_TIMEOUT", "2s", "CHARGEBOT_GEOCODER_CACHE_SIZE", "0");

            try (ApplicationContext context = startWithEnvironment(env)) {
                Geocoder geocoder = context.getBean(Geocoder.class);

                assertThat(geocoder).isInstanceOf(FallbackGeocoder.class);
                assertThat(geocoder.geocode("서울역")).get().extracting(GeocodedPlace::title).isEqualTo("서울역");
                FakeProvider.Request toNaver = naver.take();
                assertThat(toNaver.header("X-Naver-Client-Id")).isEqualTo("env-id");
                assertThat(toNaver.header("X-Naver-Client-Secret")).isEqualTo("env-secret");
                assertThat(kakao.take().header("Authorization")).isEqualTo("KakaoAK env-kakao");
            }
        }
    }

    @Test
    void factoryChecksEverySetting() {
        assertThat(create(LOCAL, null, null, null, null, null)).isInstanceOf(LocalDevelopmentGeocoder.class);
        assertThat(create(LOCAL, " id ", " secret ", null, null, null).toString()).contains("openapi.naver.com")
                .doesNotContain("Kakao");
        assertThat(create(PRODUCTION, null, null, null, "key", "https://kakao.example.com/").toString())
                .contains("kakao.example.com");

        assertThatThrownBy(() -> create(LOCAL, "id", null, null, null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET");
        assertThatThrownBy(() -> create(LOCAL, " ", "secret", null, "key", null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_NAVER_CLIENT_ID");
        assertThatThrownBy(() -> create(LOCAL, null, null, null, "키", null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_KAKAO_REST_KEY")
                .hasMessageNotContaining("키");
        assertThatThrownBy(() -> create(PRODUCTION, "id", "secret", "http://openapi.naver.com", null, null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_NAVER_BASE_URL")
                .hasMessageContaining("https URL is required");
        assertThatThrownBy(() -> create(LOCAL, null, null, null, "key", "dapi.kakao.com"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_KAKAO_BASE_URL");
        assertThatThrownBy(() -> create(LOCAL, null, null, null, "key", "https://user:pw@dapi.kakao.com"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_KAKAO_BASE_URL");
        assertThatThrownBy(() -> GeocoderFactory.create(LOCAL, new MutableClock(), new GeocoderFactory.Settings(
                null, null, null, "key", null, Duration.ofSeconds(2), Duration.ZERO, 0, Duration.ofHours(1))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_REQUEST_TIMEOUT");
        assertThatThrownBy(() -> GeocoderFactory.create(LOCAL, new MutableClock(), new GeocoderFactory.Settings(
                null, null, null, "key", null, Duration.ofSeconds(2), Duration.ofSeconds(3), -1, Duration.ofHours(1))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_CACHE_SIZE");
        assertThatThrownBy(() -> GeocoderFactory.create(LOCAL, new MutableClock(), new GeocoderFactory.Settings(
                null, null, null, "key", null, Duration.ofSeconds(2), Duration.ofSeconds(3), 10, Duration.ZERO)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CHARGEBOT_GEOCODER_CACHE_TTL");
    }
}
