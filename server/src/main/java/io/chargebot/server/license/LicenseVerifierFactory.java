package io.chargebot.server.license;

import io.chargebot.server.config.AdapterSettings;
import io.chargebot.server.config.RuntimeProfile;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link LicenseVerifier} from {@code chargebot.license.provider}
 * ({@code CHARGEBOT_LICENSE_PROVIDER}): {@code http} or {@code local} (default). Created at start-up,
 * so a bad configuration stops the server instead of failing the first request.
 */
@Factory
final class LicenseVerifierFactory {

    private static final Logger logger = LoggerFactory.getLogger(LicenseVerifierFactory.class);

    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

    @Context
    LicenseVerifier licenseVerifier(RuntimeProfile profile,
                                    @Value("${chargebot.license.provider:local}") String provider,
                                    @Nullable @Value("${chargebot.license.http.url:}") String url,
                                    @Nullable @Value("${chargebot.license.http.api-key:}") String apiKey,
                                    @Value("${chargebot.license.http.api-key-header:Authorization}") String apiKeyHeader,
                                    @Value("${chargebot.license.http.connect-timeout:3s}") Duration connectTimeout,
                                    @Value("${chargebot.license.http.request-timeout:5s}") Duration requestTimeout) {
        LicenseVerifier verifier = create(profile, provider, url, apiKey, apiKeyHeader, connectTimeout, requestTimeout);
        logger.info("Driver's licence verifier: {}", verifier);
        return verifier;
    }

    static LicenseVerifier create(RuntimeProfile profile, String provider, @Nullable String url, @Nullable String apiKey,
                                  String apiKeyHeader, Duration connectTimeout, Duration requestTimeout) {
        switch (provider.strip().toLowerCase(Locale.ROOT)) {
            case "local":
                profile.refuseDevelopmentAdapter("driver's licence verifier",
                        "CHARGEBOT_LICENSE_PROVIDER=http with CHARGEBOT_LICENSE_HTTP_URL and CHARGEBOT_LICENSE_HTTP_API_KEY");
                return new LocalLicenseVerifier();
            case "http":
                return new HttpLicenseVerifier(new HttpLicenseVerifier.Settings(
                        endpoint(profile, url), key(apiKey), header(apiKeyHeader),
                        timeout("chargebot.license.http.connect-timeout (CHARGEBOT_LICENSE_HTTP_CONNECT_TIMEOUT)", connectTimeout),
                        timeout("chargebot.license.http.request-timeout (CHARGEBOT_LICENSE_HTTP_REQUEST_TIMEOUT)", requestTimeout)));
            default:
                throw new ConfigurationException("chargebot.license.provider (CHARGEBOT_LICENSE_PROVIDER): " + provider
                        + " (expected: http or local)");
        }
    }

    private static URI endpoint(RuntimeProfile profile, @Nullable String url) {
        String setting = "chargebot.license.http.url (CHARGEBOT_LICENSE_HTTP_URL)";
        if (url == null || url.isBlank()) {
            throw new ConfigurationException(setting + " is required with chargebot.license.provider=http: "
                    + "the licence-verification endpoint, e.g. https://verifier.example.com/v1/licenses/verify");
        }
        URI uri = AdapterSettings.url(setting, url);
        if (!AdapterSettings.httpUrl(uri)) {
            throw new ConfigurationException(setting + ": " + uri.getScheme() + " URL (expected: an absolute http or https URL)");
        }
        AdapterSettings.requireHttpsInProduction(profile, setting, uri, "licence numbers are personal data");
        if (uri.getUserInfo() != null) {
            throw new ConfigurationException(setting + ": must not contain credentials; use chargebot.license.http.api-key");
        }
        return uri;
    }

    private static String key(@Nullable String apiKey) {
        String setting = "chargebot.license.http.api-key (CHARGEBOT_LICENSE_HTTP_API_KEY)";
        String key = AdapterSettings.credential(setting, apiKey);
        if (key == null) {
            throw new ConfigurationException(setting + " is required with chargebot.license.provider=http");
        }
        return key;
    }

    private static String header(String name) {
        return AdapterSettings.credentialHeader(
                "chargebot.license.http.api-key-header (CHARGEBOT_LICENSE_HTTP_API_KEY_HEADER)", name);
    }

    private static Duration timeout(String setting, Duration value) {
        return AdapterSettings.timeout(setting, value, MAX_TIMEOUT);
    }
}
