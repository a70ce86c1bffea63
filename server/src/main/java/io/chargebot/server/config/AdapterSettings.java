package io.chargebot.server.config;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the settings shared by the adapters that call a provider over HTTP (timeouts, URLs,
 * credentials), failing start-up with a {@link ConfigurationException} that names the setting
 * ({@code property (ENV_NAME)}) and never prints a credential.
 */
public final class AdapterSettings {

    /** Headers an adapter's call sets itself or that java.net.http does not let a caller set. */
    private static final Set<String> RESERVED_HEADERS =
            Set.of("accept", "connection", "content-length", "content-type", "expect", "host", "upgrade");

    private AdapterSettings() {}

    /** {@code value}, when more than zero and at most {@code max}. */
    public static Duration timeout(String setting, Duration value, Duration max) {
        if (value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
            throw new ConfigurationException(setting + ": " + value + " (expected: more than 0s, at most "
                    + max.toSeconds() + "s)");
        }
        return value;
    }

    /** {@code value} as a URI, stripped; whether it is an http URL is for the caller to check. */
    public static URI url(String setting, String value) {
        try {
            return new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new ConfigurationException(setting + ": not a URL (expected: an absolute http or https URL)");
        }
    }

    /** Whether {@code uri} is absolute, {@code http} or {@code https}, with a host. */
    public static boolean httpUrl(URI uri) {
        String scheme = scheme(uri);
        return (scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null;
    }

    /**
     * A provider's base URL: {@code configured}, or {@code fallback} when that is blank; an absolute
     * http or https URL without query, fragment or credentials, and https in production.
     *
     * @param secret what must not travel in clear text, e.g. "API keys are credentials"
     */
    public static URI baseUrl(RuntimeProfile profile, String setting, @Nullable String configured, String fallback,
                              String secret) {
        URI uri = url(setting, configured == null || configured.isBlank() ? fallback : configured);
        if (!httpUrl(uri) || uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
            throw new ConfigurationException(setting + ": " + uri
                    + " (expected: an absolute http or https URL without query, fragment or credentials)");
        }
        requireHttpsInProduction(profile, setting, uri, secret);
        return uri;
    }

    /**
     * In production, fails unless {@code uri} is https.
     *
     * @param secret what must not travel in clear text, e.g. "licence numbers are personal data"
     */
    public static void requireHttpsInProduction(RuntimeProfile profile, String setting, URI uri, String secret) {
        if (profile.production() && !scheme(uri).equals("https")) {
            throw new ConfigurationException(setting + ": " + secret + "; an https URL is required "
                    + "with CHARGEBOT_PROFILE=production");
        }
    }

    /** The credential, stripped, or null when unset or blank; only visible ASCII (it travels in an HTTP header). */
    @Nullable
    public static String credential(String setting, @Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String key = value.strip();
        if (!key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new ConfigurationException(setting + ": only visible ASCII characters are allowed");
        }
        return key;
    }

    /** The header carrying a credential: an HTTP header name that the call does not set itself. */
    public static String credentialHeader(String setting, String name) {
        String header = name.strip();
        if (header.isEmpty() || !header.chars().allMatch(AdapterSettings::tokenChar)
                || RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
            throw new ConfigurationException(setting + ": not an HTTP header name (expected e.g. Authorization or x-api-key)");
        }
        return header;
    }

    private static boolean tokenChar(int c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String scheme(URI uri) {
        return uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    }
}
