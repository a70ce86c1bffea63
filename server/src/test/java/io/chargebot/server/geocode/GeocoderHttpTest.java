package io.chargebot.server.geocode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.testing.CapturedOutput;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.MutableClock;
import io.grpc.Status;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Naver and Kakao geocoding adapters, and the fallback between them, against local HTTP servers. */
class GeocoderHttpTest {

    private static final String NAVER_ID = "naverClientId123";
    private static final String NAVER_SECRET = "naverSecretXYZ789";
    private static final String KAKAO_KEY = "0123456789abcdef0123456789abcdef";

    private static final String NAVER_GANGNAM = "{\"lastBuildDate\":\"Mon, 23 Nov 2026 10:00:00 +0900\",\"total\":1,"
            + "\"start\":1,\"display\":1,\"items\":[{\"title\":\"<b>강남역</b> 2호선\",\"link\":\"\","
            + "\"category\":\"지하철,전철>2호선\",\"description\":\"\",\"telephone\":\"\","
            + "\"address\":\"서울특별시 강남구 역삼동 858\",\"roadAddress\":\"서울특별시 강남구 강남대로 396\","
            + "\"mapx\":\"1270276241\",\"mapy\":\"374979502\"}]}";
    private static final String NAVER_NO_HIT = "{\"lastBuildDate\":\"Mon, 23 Nov 2026 10:00:00 +0900\",\"total\":0,"
            + "\"start\":1,\"display\":0,\"items\":[]}";
    private static final String KAKAO_GANGNAM = "{\"documents\":[{\"address_name\":\"서울 강남구 역삼동 858\","
            + "\"category_group_code\":\"SW8\",\"category_name\":\"교통,수송 > 지하철,전철 > 수도권2호선\",\"distance\":\"\","
            + "\"id\":\"21160803\",\"phone\":\"02-6110-2221\",\"place_name\":\"강남역 2호선\","
            + "\"place_url\":\"http://place.map.kakao.com/21160803\",\"road_address_name\":\"서울 강남구 강남대로 지하 396\","
            + "\"x\":\"127.02800140627488\",\"y\":\"37.49808633653005\"}],"
            + "\"meta\":{\"is_end\":true,\"pageable_count\":1,\"same_name\":{\"keyword\":\"강남역\",\"region\":[],"
            + "\"selected_region\":\"\"},\"total_count\":1}}";
    private static final String KAKAO_NO_HIT = "{\"documents\":[],\"meta\":{\"is_end\":true,\"pageable_count\":0,\"total_count\":0}}";

    private FakeProvider naver;
    private FakeProvider kakao;
    private final BlockingQueue<URI> naverRequests = new LinkedBlockingQueue<>();
    private final BlockingQueue<URI> kakaoRequests = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        naver = new FakeProvider();
        kakao = new FakeProvider();
    }

    @AfterEach
    void stop() {
        naver.close();
        kakao.close();
    }

    private Geocoder geocoder(boolean withNaver, boolean withKakao, Duration requestTimeout) {
        return GeocoderFactory.create(new RuntimeProfile("local"), new MutableClock(), new GeocoderFactory.Settings(
                withNaver ? NAVER_ID : null, withNaver ? NAVER_SECRET : null, naver.uri("/").toString(),
                withKakao ? KAKAO_KEY : null, kakao.uri("").toString(),
                Duration.ofSeconds(2), requestTimeout, 0, Duration.ofHours(1)));
    }

    private Geocoder both() {
        return geocoder(true, true, Duration.ofSeconds(5));
    }

    private void naverAnswers(int status, String body) {
        naver.respond(exchange -> answer(exchange, naverRequests, status, body));
    }

    private void kakaoAnswers(int status, String body) {
        kakao.respond(exchange -> answer(exchange, kakaoRequests, status, body));
    }

    private static void answer(HttpExchange exchange, BlockingQueue<URI> requests, int status, String body)
            throws java.io.IOException {
        requests.add(exchange.getRequestURI());
        FakeProvider.json(exchange, status, body);
    }

    private static Map<String, String> parameters(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    // --- Naver -------------------------------------------------------------------------------

    @Test
    void naverAnswersWithTheTopHitInWgs84AndPlainText() throws Exception {
        naverAnswers(200, NAVER_GANGNAM);

        Optional<GeocodedPlace> place = both().geocode("강남역 2호선");

        assertThat(place).contains(new GeocodedPlace(37.4979502, 127.0276241, "강남역 2호선",
                "서울특별시 강남구 강남대로 396", "naver"));
        FakeProvider.Request request = naver.take();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v1/search/local.json");
        assertThat(request.header("X-Naver-Client-Id")).isEqualTo(NAVER_ID);
        assertThat(request.header("X-Naver-Client-Secret")).isEqualTo(NAVER_SECRET);
        URI uri = naverRequests.poll(5, TimeUnit.SECONDS);
        assertThat(uri.getRawQuery()).doesNotContain("+").doesNotContain(" ");
        assertThat(parameters(uri)).containsEntry("query", "강남역 2호선").containsEntry("display", "1");
        assertThat(kakao.requestCount()).as("Kakao is not asked after a Naver hit").isZero();
    }

    @Test
    void naverTitlesLoseTheirMarkupAndEntities() {
        naverAnswers(200, NAVER_GANGNAM.replace("<b>강남역</b> 2호선", "<b>A&amp;B</b> &lt;주차장&gt; &#39;1&#x27;")
                .replace("\"roadAddress\":\"서울특별시 강남구 강남대로 396\"", "\"roadAddress\":\"\""));

        GeocodedPlace place = both().geocode("A&B").orElseThrow();

        assertThat(place.title()).isEqualTo("A&B <주차장> '1'");
        assertThat(place.address()).as("the lot-number address when there is no road address")
                .isEqualTo("서울특별시 강남구 역삼동 858");
    }

    // --- Kakao -------------------------------------------------------------------------------

    @Test
    void kakaoAnswersWithTheTopHitAndItsKey() throws Exception {
        kakaoAnswers(200, KAKAO_GANGNAM);

        Optional<GeocodedPlace> place = geocoder(false, true, Duration.ofSeconds(5)).geocode("강남역");

        assertThat(place).contains(new GeocodedPlace(37.49808633653005, 127.02800140627488, "강남역 2호선",
                "서울 강남구 강남대로 지하 396", "kakao"));
        FakeProvider.Request request = kakao.take();
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v2/local/search/keyword.json");
        assertThat(request.header("Authorization")).isEqualTo("KakaoAK " + KAKAO_KEY);
        assertThat(parameters(kakaoRequests.poll(5, TimeUnit.SECONDS)))
                .containsEntry("query", "강남역").containsEntry("size", "1");
    }

    @Test
    void kakaoWithoutARoadAddressGivesTheLotNumberAddress() {
        kakaoAnswers(200, KAKAO_GANGNAM.replace("\"road_address_name\":\"서울 강남구 강남대로 지하 396\"",
                "\"road_address_name\":\"\""));

        assertThat(geocoder(false, true, Duration.ofSeconds(5)).geocode("강남역").orElseThrow().address())
                .isEqualTo("서울 강남구 역삼동 858");
    }

    // --- fallback ----------------------------------------------------------------------------

    @Test
    void naverWithoutAHitFallsBackToKakao() {
        naverAnswers(200, NAVER_NO_HIT);
        kakaoAnswers(200, KAKAO_GANGNAM);

        assertThat(both().geocode("강남역")).get().extracting(GeocodedPlace::source).isEqualTo("kakao");
        assertThat(naverRequests).hasSize(1);
    }

    @ParameterizedTest(name = "[{index}] HTTP {0}")
    @ValueSource(ints = {500, 503, 429, 401, 403, 400})
    void aNaverErrorFallsBackToKakao(int status) {
        naverAnswers(status, "{\"errorMessage\":\"failed\",\"errorCode\":\"SE99\"}");
        kakaoAnswers(200, KAKAO_GANGNAM);

        assertThat(both().geocode("강남역")).get().extracting(GeocodedPlace::source).isEqualTo("kakao");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "not json",
            "{}",
            "{\"items\":{}}",
            // Before 2023 Naver answered KATECH coordinates; read as degrees x 10^7 they would be near 0°N 0°E.
            "{\"items\":[{\"title\":\"강남역\",\"mapx\":\"314263\",\"mapy\":\"544958\"}]}",
            "{\"items\":[{\"title\":\"강남역\",\"mapx\":\"abc\",\"mapy\":\"374979502\"}]}",
            "{\"items\":[{\"title\":\"강남역\",\"mapx\":\"1270276241\",\"mapy\":\"3749795020\"}]}",
            "{\"items\":[{\"title\":\"강남역\"}]}"})
    void unusableNaverAnswersFallBackToKakao(String body) {
        naver.respond(exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        });
        kakaoAnswers(200, KAKAO_GANGNAM);

        assertThat(both().geocode("강남역")).get().extracting(GeocodedPlace::source).isEqualTo("kakao");
    }

    @Test
    void aNaverTimeoutFallsBackToKakao() {
        naver.respond(exchange -> {
            Thread.sleep(5_000);
            FakeProvider.json(exchange, 200, NAVER_GANGNAM);
        });
        kakaoAnswers(200, KAKAO_GANGNAM);

        assertThat(geocoder(true, true, Duration.ofMillis(300)).geocode("강남역")).get()
                .extracting(GeocodedPlace::source).isEqualTo("kakao");
    }

    @Test
    void anUnreachableNaverFallsBackToKakao() {
        naver.close();
        kakaoAnswers(200, KAKAO_GANGNAM);

        assertThat(both().geocode("강남역")).get().extracting(GeocodedPlace::source).isEqualTo("kakao");
    }

    @Test
    void bothFailingIsProviderUnavailable() {
        naverAnswers(500, "{\"errorMessage\":\"System error\",\"errorCode\":\"SE99\"}");
        kakaoAnswers(503, "{\"errorType\":\"ServiceUnavailable\",\"message\":\"down\"}");

        assertUnavailable(() -> both().geocode("강남역"));
    }

    @Test
    void aSingleProviderFailingIsProviderUnavailable() {
        naverAnswers(502, "");
        kakaoAnswers(502, "");

        assertUnavailable(() -> geocoder(true, false, Duration.ofSeconds(5)).geocode("강남역"));
        assertUnavailable(() -> geocoder(false, true, Duration.ofSeconds(5)).geocode("강남역"));
    }

    @Test
    void noHitAnywhereIsEmpty() {
        naverAnswers(200, NAVER_NO_HIT);
        kakaoAnswers(200, KAKAO_NO_HIT);

        assertThat(both().geocode("없는장소이름")).isEmpty();
        assertThat(naverRequests).hasSize(1);
        assertThat(kakaoRequests).hasSize(1);
    }

    @Test
    void naverFailingAndKakaoWithoutAHitIsEmptyNotUnavailable() {
        naverAnswers(500, "{}");
        kakaoAnswers(200, KAKAO_NO_HIT);

        assertThat(both().geocode("없는장소이름")).isEmpty();
    }

    @Test
    void refusedCredentialsAreLoggedAsConfigurationProblemsWithoutTheKeys() {
        naverAnswers(401, "{\"errorMessage\":\"Authentication failed (인증에 실패했습니다.)\",\"errorCode\":\"024\"}");
        kakaoAnswers(401, "{\"errorType\":\"AccessDeniedError\",\"message\":\"wrong appKey format\"}");

        try (CapturedOutput log = new CapturedOutput()) {
            assertUnavailable(() -> both().geocode("서울 어딘가 우리집 주소"));
            assertThat(log.text()).contains("WARN").contains("HTTP 401").contains("configuration problem")
                    .contains("CHARGEBOT_GEOCODER_NAVER_CLIENT_ID").contains("CHARGEBOT_GEOCODER_KAKAO_REST_KEY")
                    .doesNotContain(NAVER_ID).doesNotContain(NAVER_SECRET).doesNotContain(KAKAO_KEY)
                    .as("the user's query is not logged").doesNotContain("우리집");
        }
    }

    @Test
    void theDescriptionNamesProvidersButNoKeys() {
        String description = both().toString();
        assertThat(description).contains("Naver").contains("Kakao")
                .doesNotContain(NAVER_ID).doesNotContain(NAVER_SECRET).doesNotContain(KAKAO_KEY);
    }

    // --- cache -------------------------------------------------------------------------------

    @Test
    void hitsAreCachedForTheirLifetime() {
        naverAnswers(200, NAVER_GANGNAM);
        MutableClock clock = new MutableClock();
        Geocoder cached = GeocoderFactory.create(new RuntimeProfile("local"), clock, new GeocoderFactory.Settings(
                NAVER_ID, NAVER_SECRET, naver.uri("").toString(), null, null,
                Duration.ofSeconds(2), Duration.ofSeconds(5), 10, Duration.ofMinutes(10)));

        GeocodedPlace first = cached.geocode("강남역").orElseThrow();
        assertThat(cached.geocode("  강남역 ")).contains(first);
        assertThat(naverRequests).as("one provider call for the same query").hasSize(1);

        clock.advance(Duration.ofMinutes(11));
        assertThat(cached.geocode("강남역")).contains(first);
        assertThat(naverRequests).as("asked again after the entry expired").hasSize(2);
    }

    @Test
    void missesAreNotCached() {
        naverAnswers(200, NAVER_NO_HIT);
        Geocoder cached = GeocoderFactory.create(new RuntimeProfile("local"), new MutableClock(), new GeocoderFactory.Settings(
                NAVER_ID, NAVER_SECRET, naver.uri("").toString(), null, null,
                Duration.ofSeconds(2), Duration.ofSeconds(5), 10, Duration.ofMinutes(10)));

        assertThat(cached.geocode("새로 생긴 곳")).isEmpty();
        naverAnswers(200, NAVER_GANGNAM);
        assertThat(cached.geocode("새로 생긴 곳")).isPresent();
    }

    @Test
    void theCacheKeepsOnlyTheMostRecentlyUsedEntries() {
        naverAnswers(200, NAVER_GANGNAM);
        CachingGeocoder cached = new CachingGeocoder(query -> both().geocode(query), new MutableClock(), 2,
                Duration.ofHours(1));
        cached.geocode("a");
        cached.geocode("b");
        cached.geocode("a");
        cached.geocode("c"); // drops b, the least recently used
        int before = naverRequests.size();
        cached.geocode("a");
        cached.geocode("c");
        assertThat(naverRequests).hasSize(before);
        cached.geocode("b");
        assertThat(naverRequests).hasSize(before + 1);
    }

    private static void assertUnavailable(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.reason()).isEqualTo(ErrorReason.PROVIDER_UNAVAILABLE);
            assertThat(e.retryDelay()).isNotNull();
        });
    }
}
