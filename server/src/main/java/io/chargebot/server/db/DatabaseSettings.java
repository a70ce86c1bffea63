package io.chargebot.server.db;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import io.micronaut.core.annotation.Nullable;

/**
 * Where the server's PostgreSQL is: a JDBC URL and optional credentials.
 *
 * <p>Accepts {@code DATABASE_URL} in the usual forms: {@code postgres://user:pass@host:5432/db},
 * {@code postgresql://...} or {@code jdbc:postgresql://host:5432/db?user=..}.
 */
public record DatabaseSettings(String jdbcUrl, @Nullable String username, @Nullable String password) {

    public DatabaseSettings {
        requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("jdbcUrl: " + redact(jdbcUrl) + " (expected: jdbc:postgresql://...)");
        }
    }

    /**
     * Returns the settings named by {@code DATABASE_URL} (with optional {@code DATABASE_USER} and
     * {@code DATABASE_PASSWORD}) or, failing that, by Micronaut's own {@code DATASOURCES_DEFAULT_URL}
     * (with {@code DATASOURCES_DEFAULT_USERNAME}/{@code _PASSWORD}); null when neither is set.
     */
    @Nullable
    public static DatabaseSettings fromEnvironment(Map<String, String> env) {
        String url = env.get("DATABASE_URL");
        if (url != null && !url.isBlank()) {
            DatabaseSettings parsed = parse(url.trim());
            return new DatabaseSettings(parsed.jdbcUrl(), env.getOrDefault("DATABASE_USER", parsed.username()),
                    env.getOrDefault("DATABASE_PASSWORD", parsed.password()));
        }
        String micronautUrl = env.get("DATASOURCES_DEFAULT_URL");
        if (micronautUrl != null && !micronautUrl.isBlank()) {
            DatabaseSettings parsed = parse(micronautUrl.trim());
            return new DatabaseSettings(parsed.jdbcUrl(),
                    env.getOrDefault("DATASOURCES_DEFAULT_USERNAME", parsed.username()),
                    env.getOrDefault("DATASOURCES_DEFAULT_PASSWORD", parsed.password()));
        }
        return null;
    }

    /** Parses a {@code postgres://} or {@code jdbc:postgresql://} URL. */
    public static DatabaseSettings parse(String url) {
        requireNonNull(url, "url");
        if (url.startsWith("jdbc:postgresql:")) {
            return new DatabaseSettings(url, null, null);
        }
        if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
            throw new IllegalArgumentException("DATABASE_URL: " + redact(url)
                    + " (expected: postgres://user:password@host:port/database or jdbc:postgresql://...)");
        }
        URI uri = URI.create(url);
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (parts.length == 2) {
                password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            }
        }
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new DatabaseSettings("jdbc:postgresql://" + host + ':' + port + path + query, user, password);
    }

    /** The URL without any password, safe to print. */
    public String displayUrl() {
        return redact(jdbcUrl);
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@");
    }

    @Override
    public String toString() {
        return "DatabaseSettings[" + displayUrl() + ", user=" + username + "]";
    }
}
