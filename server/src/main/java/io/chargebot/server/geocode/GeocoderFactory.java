package io.chargebot.server.geocode;

import io.chargebot.server.config.AdapterSettings;
import io.chargebot.server.config.RuntimeProfile;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link Geocoder} from configuration. Each provider whose credentials are set is used,
 * in this order:
 *
 * <ol>
 *   <li>Naver local search: {@code CHARGEBOT_GEOCODER_NAVER_CLIENT_ID} and {@code _CLIENT_SECRET};</li>
 *   <li>Kakao keyword search: {@code CHARGEBOT_GEOCODER_KAKAO_REST_KEY};</li>
 * </ol>
 *
 * the next one answering when the previous has no hit or fails. With neither, the
 * {@link LocalDevelopmentGeocoder} is used — refused with {@code CHARGEBOT_PROFILE=production}.
 * Hits are cached ({@code CHARGEBOT_GEOCODER_CACHE_SIZE}, {@code _CACHE_TTL}). Created at start-up,
 * so a bad configuration stops the server instead of failing the first search. Keys are never logged.
 */
@Factory
final class GeocoderFactory {

    private static final Logger logger = LoggerFactory.getLogger(GeocoderFactory.class);

    static final String NAVER_BASE_URL = "https://openapi.naver.com";
    static final String KAKAO_BASE_URL = "https://dapi.kakao.com";
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_CACHE_SIZE = 1_000_000;

    /**
     * The settings as read from configuration; blank strings mean "not set".
     *
     * @param cacheSize hits kept; 0 turns the cache off
     */
    record Settings(@Nullable String naverClientId, @Nullable String naverClientSecret, @Nullable String naverBaseUrl,
                    @Nullable String kakaoRestKey, @Nullable String kakaoBaseUrl,
                    Duration connectTimeout, Duration requestTimeout, int cacheSize, Duration cacheTtl) {

        @Override
        public String toString() {
            return "Settings[naverClientId=" + (naverClientId == null ? "" : "****") + ", kakaoRestKey="
                    + (kakaoRestKey == null ? "" : "****") + ", naverBaseUrl=" + naverBaseUrl + ", kakaoBaseUrl="
                    + kakaoBaseUrl + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                    + ", cacheSize=" + cacheSize + ", cacheTtl=" + cacheTtl + "]";
        }
    }

    @Context
    Geocoder geocoder(RuntimeProfile profile, Clock clock,
                      @Nullable @Value("${chargebot.geocoder.naver.client-id:}") String naverClientId,
                      @Nullable @Value("${chargebot.geocoder.naver.client-secret:}") String naverClientSecret,
                      @Nullable @Value("${chargebot.geocoder.naver.base-url:}") String naverBaseUrl,
                      @Nullable @Value("${chargebot.geocoder.kakao.rest-key:}") String kakaoRestKey,
                      @Nullable @Value("${chargebot.geocoder.kakao.base-url:}") String kakaoBaseUrl,
                      @Value("${chargebot.geocoder.connect-timeout:2s}") Duration connectTimeout,
                      @Value("${chargebot.geocoder.request-timeout:3s}") Duration requestTimeout,
                      @Value("${chargebot.geocoder.cache-size:1000}") int cacheSize,
                      @Value("${chargebot.geocoder.cache-ttl:1h}") Duration cacheTtl) {
        Geocoder geocoder = create(profile, clock, new Settings(naverClientId, naverClientSecret, naverBaseUrl,
                kakaoRestKey, kakaoBaseUrl, connectTimeout, requestTimeout, cacheSize, cacheTtl));
        logger.info("Place search (geocoder): {}", geocoder);
        return geocoder;
    }

    static Geocoder create(RuntimeProfile profile, Clock clock, Settings settings) {
        String naverId = AdapterSettings.credential("chargebot.geocoder.naver.client-id (CHARGEBOT_GEOCODER_NAVER_CLIENT_ID)",
                settings.naverClientId());
        String naverSecret = AdapterSettings.credential("chargebot.geocoder.naver.client-secret (CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET)",
                settings.naverClientSecret());
        String kakaoKey = AdapterSettings.credential("chargebot.geocoder.kakao.rest-key (CHARGEBOT_GEOCODER_KAKAO_REST_KEY)",
                settings.kakaoRestKey());
        if ((naverId == null) != (naverSecret == null)) {
            throw new ConfigurationException("Naver place search needs both CHARGEBOT_GEOCODER_NAVER_CLIENT_ID and "
                    + "CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET (only " + (naverId == null ? "the secret" : "the client id")
                    + " is set)");
        }
        if (naverId == null && kakaoKey == null) {
            profile.refuseDevelopmentAdapter("place search (geocoder)",
                    "CHARGEBOT_GEOCODER_NAVER_CLIENT_ID and CHARGEBOT_GEOCODER_NAVER_CLIENT_SECRET, "
                    + "and/or CHARGEBOT_GEOCODER_KAKAO_REST_KEY");
            return new LocalDevelopmentGeocoder();
        }
        GeocoderHttp http = new GeocoderHttp(
                timeout("chargebot.geocoder.connect-timeout (CHARGEBOT_GEOCODER_CONNECT_TIMEOUT)", settings.connectTimeout()),
                timeout("chargebot.geocoder.request-timeout (CHARGEBOT_GEOCODER_REQUEST_TIMEOUT)", settings.requestTimeout()));
        List<GeocodingProvider> providers = new ArrayList<>(2);
        if (naverId != null) {
            providers.add(new NaverLocalSearchAdapter(http, baseUrl(profile,
                    "chargebot.geocoder.naver.base-url (CHARGEBOT_GEOCODER_NAVER_BASE_URL)", settings.naverBaseUrl(),
                    NAVER_BASE_URL), naverId, naverSecret));
        }
        if (kakaoKey != null) {
            providers.add(new KakaoLocalSearchAdapter(http, baseUrl(profile,
                    "chargebot.geocoder.kakao.base-url (CHARGEBOT_GEOCODER_KAKAO_BASE_URL)", settings.kakaoBaseUrl(),
                    KAKAO_BASE_URL), kakaoKey));
        }
        Geocoder geocoder = new FallbackGeocoder(providers);
        int cacheSize = settings.cacheSize();
        if (cacheSize < 0 || cacheSize > MAX_CACHE_SIZE) {
            throw new ConfigurationException("chargebot.geocoder.cache-size (CHARGEBOT_GEOCODER_CACHE_SIZE): " + cacheSize
                    + " (expected: 0..." + MAX_CACHE_SIZE + "; 0 turns the cache off)");
        }
        Duration ttl = settings.cacheTtl();
        if (cacheSize > 0) {
            if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(30)) > 0) {
                throw new ConfigurationException("chargebot.geocoder.cache-ttl (CHARGEBOT_GEOCODER_CACHE_TTL): " + ttl
                        + " (expected: more than 0s, at most 30d)");
            }
            geocoder = new CachingGeocoder(geocoder, clock, cacheSize, ttl);
        }
        return geocoder;
    }

    private static URI baseUrl(RuntimeProfile profile, String setting, @Nullable String configured, String fallback) {
        return AdapterSettings.baseUrl(profile, setting, configured, fallback, "API keys are credentials");
    }

    private static Duration timeout(String setting, Duration value) {
        return AdapterSettings.timeout(setting, value, MAX_TIMEOUT);
    }
}
