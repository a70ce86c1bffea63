package io.chargebot.server.social;

import io.chargebot.server.config.AdapterSettings;
import io.chargebot.server.config.RuntimeProfile;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link SocialIdentityVerifier} from {@code chargebot.social.provider}
 * ({@code CHARGEBOT_SOCIAL_PROVIDER}):
 *
 * <ul>
 *   <li>{@code local} (default): {@link LocalSocialIdentityAdapter} for both providers; refused in production;</li>
 *   <li>{@code real}: Kakao's and Naver's APIs;</li>
 *   <li>a comma-separated subset of {@code kakao}, {@code naver}: only those providers' APIs; sign-in
 *       with the others fails with FAILED_PRECONDITION.</li>
 * </ul>
 *
 * Created at start-up, so a bad configuration stops the server instead of failing the first sign-in.
 */
@Factory
final class SocialIdentityVerifierFactory {

    private static final Logger logger = LoggerFactory.getLogger(SocialIdentityVerifierFactory.class);

    static final String KAKAO_BASE_URL = "https://kapi.kakao.com";
    static final String NAVER_BASE_URL = "https://openapi.naver.com";
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

    /** The settings, as read from configuration; blank strings mean "not set". */
    record Settings(String provider, @Nullable String kakaoBaseUrl, @Nullable String kakaoAppId,
                    @Nullable String naverBaseUrl, Duration connectTimeout, Duration requestTimeout) {}

    @Context
    SocialIdentityVerifier socialIdentityVerifier(RuntimeProfile profile,
                                                  @Value("${chargebot.social.provider:local}") String provider,
                                                  @Nullable @Value("${chargebot.social.kakao.base-url:}") String kakaoBaseUrl,
                                                  @Nullable @Value("${chargebot.social.kakao.app-id:}") String kakaoAppId,
                                                  @Nullable @Value("${chargebot.social.naver.base-url:}") String naverBaseUrl,
                                                  @Value("${chargebot.social.connect-timeout:3s}") Duration connectTimeout,
                                                  @Value("${chargebot.social.request-timeout:5s}") Duration requestTimeout) {
        SocialIdentityVerifier verifier = create(profile, new Settings(provider, kakaoBaseUrl, kakaoAppId, naverBaseUrl,
                connectTimeout, requestTimeout));
        logger.info("Social sign-in: {}", verifier);
        return verifier;
    }

    static SocialIdentityVerifier create(RuntimeProfile profile, Settings settings) {
        String provider = settings.provider().strip().toLowerCase(Locale.ROOT);
        Map<SocialProvider, SocialIdentityAdapter> adapters = new EnumMap<>(SocialProvider.class);
        if (provider.equals("local")) {
            profile.refuseDevelopmentAdapter("social sign-in (Kakao, Naver)",
                    "CHARGEBOT_SOCIAL_PROVIDER=real (or kakao / naver) to check tokens with Kakao and Naver");
            for (SocialProvider each : SocialProvider.values()) {
                adapters.put(each, new LocalSocialIdentityAdapter(each));
            }
            return new DispatchingSocialIdentityVerifier(adapters);
        }
        boolean kakao = false;
        boolean naver = false;
        if (provider.equals("real")) {
            kakao = true;
            naver = true;
        } else {
            for (String part : provider.split(",", -1)) {
                switch (part.strip()) {
                    case "kakao" -> kakao = true;
                    case "naver" -> naver = true;
                    default -> throw new ConfigurationException("chargebot.social.provider (CHARGEBOT_SOCIAL_PROVIDER): "
                            + settings.provider() + " (expected: local, real, or a comma-separated list of kakao, naver)");
                }
            }
        }
        SocialHttp http = new SocialHttp(
                timeout("chargebot.social.connect-timeout (CHARGEBOT_SOCIAL_CONNECT_TIMEOUT)", settings.connectTimeout()),
                timeout("chargebot.social.request-timeout (CHARGEBOT_SOCIAL_REQUEST_TIMEOUT)", settings.requestTimeout()));
        if (kakao) {
            String appId = blankToNull(settings.kakaoAppId());
            if (appId != null && !appId.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new ConfigurationException("chargebot.social.kakao.app-id (CHARGEBOT_SOCIAL_KAKAO_APP_ID): "
                        + "expected the numeric app id shown in Kakao Developers");
            }
            if (appId == null && profile.production()) {
                logger.warn("chargebot.social.kakao.app-id (CHARGEBOT_SOCIAL_KAKAO_APP_ID) is not set: Kakao tokens "
                        + "are not checked to be issued for this server's Kakao app");
            }
            adapters.put(SocialProvider.KAKAO, new KakaoIdentityAdapter(http,
                    baseUrl(profile, "chargebot.social.kakao.base-url (CHARGEBOT_SOCIAL_KAKAO_BASE_URL)",
                            settings.kakaoBaseUrl(), KAKAO_BASE_URL), appId));
        }
        if (naver) {
            adapters.put(SocialProvider.NAVER, new NaverIdentityAdapter(http,
                    baseUrl(profile, "chargebot.social.naver.base-url (CHARGEBOT_SOCIAL_NAVER_BASE_URL)",
                            settings.naverBaseUrl(), NAVER_BASE_URL)));
        }
        return new DispatchingSocialIdentityVerifier(adapters);
    }

    @Nullable
    private static String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static URI baseUrl(RuntimeProfile profile, String setting, @Nullable String configured, String fallback) {
        return AdapterSettings.baseUrl(profile, setting, configured, fallback, "access tokens are credentials");
    }

    private static Duration timeout(String setting, Duration value) {
        return AdapterSettings.timeout(setting, value, MAX_TIMEOUT);
    }
}
