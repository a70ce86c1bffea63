package io.chargebot.gateway;

import static java.util.Objects.requireNonNull;

import com.google.common.net.HostAndPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How a {@link GrpcWebGateway} listens and where it forwards to.
 *
 * <p>Build one with {@link #builder()} or read it from the environment with {@link #fromEnvironment()}:
 * <table>
 *   <caption>Environment variables</caption>
 *   <tr><th>variable</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@value #ENV_PORT}</td><td>HTTP port (HTTP/1.1 and h2c); 0 picks a free one</td>
 *       <td>{@value #DEFAULT_PORT}</td></tr>
 *   <tr><td>{@value #ENV_TARGET}</td><td>the ChargeBot gRPC server, {@code host:port}</td>
 *       <td>{@value #DEFAULT_TARGET}</td></tr>
 *   <tr><td>{@value #ENV_TARGET_TLS}</td><td>{@code true} to reach the server over TLS</td>
 *       <td>{@code false}</td></tr>
 *   <tr><td>{@value #ENV_CORS_ORIGINS}</td><td>comma-separated browser origins allowed by CORS, or
 *       {@code *}</td><td>{@code *}</td></tr>
 *   <tr><td>{@value #ENV_MAX_REQUEST_BYTES}</td><td>largest accepted request (and request message), in
 *       bytes</td><td>4194304 (4 MiB)</td></tr>
 * </table>
 *
 * @param port the HTTP port to listen on, 0..65535; 0 picks an ephemeral port
 * @param target the backend gRPC server as {@code host:port} (IPv6 hosts in brackets)
 * @param targetTls whether the backend is reached over TLS (verified against the JDK's trusted CAs)
 * @param corsOrigins the origins browsers may call from; {@code ["*"]} allows any origin
 * @param maxRequestBytes the largest request the gateway accepts, in bytes, at least 1
 * @param shutdownQuietPeriod how long the server keeps serving after {@link GrpcWebGateway#close()} while
 *                            requests still arrive (the health check already reports unhealthy)
 * @param shutdownTimeout the longest {@link GrpcWebGateway#close()} waits for calls in flight
 */
public record GatewayConfig(
        int port,
        String target,
        boolean targetTls,
        List<String> corsOrigins,
        int maxRequestBytes,
        Duration shutdownQuietPeriod,
        Duration shutdownTimeout) {

    /** Environment variable of {@link #port()}. */
    public static final String ENV_PORT = "CHARGEBOT_GATEWAY_PORT";
    /** Environment variable of {@link #target()}. */
    public static final String ENV_TARGET = "CHARGEBOT_GATEWAY_TARGET";
    /** Environment variable of {@link #targetTls()}. */
    public static final String ENV_TARGET_TLS = "CHARGEBOT_GATEWAY_TARGET_TLS";
    /** Environment variable of {@link #corsOrigins()}. */
    public static final String ENV_CORS_ORIGINS = "CHARGEBOT_GATEWAY_CORS_ORIGINS";
    /** Environment variable of {@link #maxRequestBytes()}. */
    public static final String ENV_MAX_REQUEST_BYTES = "CHARGEBOT_GATEWAY_MAX_REQUEST_BYTES";

    /** The default HTTP port. */
    public static final int DEFAULT_PORT = 8080;
    /** The default backend: the ChargeBot gRPC server on this host. */
    public static final String DEFAULT_TARGET = "127.0.0.1:50051";
    /** The default request size limit: 4 MiB, like gRPC's default message limit. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    /** The CORS origin that allows every origin. */
    public static final String ANY_ORIGIN = "*";

    private static final Duration DEFAULT_SHUTDOWN_QUIET_PERIOD = Duration.ofSeconds(1);
    private static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Validates and normalises the components; see the class comment for their meaning. */
    public GatewayConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        target = validateTarget(requireNonNull(target, "target"));
        corsOrigins = validateCorsOrigins(requireNonNull(corsOrigins, "corsOrigins"));
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("maxRequestBytes: " + maxRequestBytes + " (expected: > 0)");
        }
        requireNonNull(shutdownQuietPeriod, "shutdownQuietPeriod");
        requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownQuietPeriod.isNegative()) {
            throw new IllegalArgumentException(
                    "shutdownQuietPeriod: " + shutdownQuietPeriod + " (expected: >= 0)");
        }
        if (shutdownTimeout.compareTo(shutdownQuietPeriod) < 0) {
            throw new IllegalArgumentException(
                    "shutdownTimeout: " + shutdownTimeout + " (expected: >= shutdownQuietPeriod: " +
                    shutdownQuietPeriod + ')');
        }
    }

    /** Returns a new builder with the defaults: port 8080, target 127.0.0.1:50051, no TLS, any origin, 4 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the configuration read from the {@code CHARGEBOT_GATEWAY_*} environment variables. */
    public static GatewayConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Returns the configuration read from the given environment; unset or blank variables take their default.
     *
     * @throws IllegalArgumentException if a variable is malformed; the message names the variable
     */
    public static GatewayConfig fromEnvironment(Map<String, String> env) {
        requireNonNull(env, "env");
        final Builder builder = builder();
        final String port = value(env, ENV_PORT);
        if (port != null) {
            builder.port(parse(ENV_PORT, port, Integer::parseInt, "an integer 0..65535"));
        }
        final String target = value(env, ENV_TARGET);
        if (target != null) {
            builder.target(target);
        }
        final String tls = value(env, ENV_TARGET_TLS);
        if (tls != null) {
            builder.targetTls(parseBoolean(ENV_TARGET_TLS, tls));
        }
        final String origins = value(env, ENV_CORS_ORIGINS);
        if (origins != null) {
            builder.corsOrigins(List.of(origins.split(",", -1)));
        }
        final String maxRequestBytes = value(env, ENV_MAX_REQUEST_BYTES);
        if (maxRequestBytes != null) {
            builder.maxRequestBytes(parse(ENV_MAX_REQUEST_BYTES, maxRequestBytes, Integer::parseInt,
                                          "a positive integer (bytes)"));
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid CHARGEBOT_GATEWAY_* environment: " + e.getMessage(), e);
        }
    }

    /** Returns whether {@link #corsOrigins()} allows every origin. */
    public boolean allowsAnyOrigin() {
        return corsOrigins.size() == 1 && ANY_ORIGIN.equals(corsOrigins.get(0));
    }

    /** Returns a builder initialised with this configuration. */
    public Builder toBuilder() {
        return builder().port(port)
                        .target(target)
                        .targetTls(targetTls)
                        .corsOrigins(corsOrigins)
                        .maxRequestBytes(maxRequestBytes)
                        .shutdownQuietPeriod(shutdownQuietPeriod)
                        .shutdownTimeout(shutdownTimeout);
    }

    private static String validateTarget(String target) {
        final String trimmed = target.trim();
        final HostAndPort hostAndPort;
        try {
            hostAndPort = HostAndPort.fromString(trimmed).requireBracketsForIPv6();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "target: " + target + " (expected: host:port, e.g. 127.0.0.1:50051 or [::1]:50051)", e);
        }
        if (hostAndPort.getHost().isEmpty() || !hostAndPort.hasPort()) {
            throw new IllegalArgumentException(
                    "target: " + target + " (expected: host:port, e.g. 127.0.0.1:50051 or [::1]:50051)");
        }
        if (hostAndPort.getPort() == 0) {
            throw new IllegalArgumentException("target: " + target + " (expected: a port in 1..65535)");
        }
        return hostAndPort.toString();
    }

    private static List<String> validateCorsOrigins(List<String> origins) {
        final List<String> result = new ArrayList<>(origins.size());
        for (String origin : origins) {
            requireNonNull(origin, "corsOrigins contains null");
            final String trimmed = origin.trim().toLowerCase(Locale.ROOT);
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!ANY_ORIGIN.equals(trimmed) && !trimmed.startsWith("http://") &&
                !trimmed.startsWith("https://")) {
                throw new IllegalArgumentException(
                        "corsOrigins: " + origins + " (expected: '*' or origins like https://app.example.com)");
            }
            if (!ANY_ORIGIN.equals(trimmed) && trimmed.endsWith("/")) {
                throw new IllegalArgumentException(
                        "corsOrigins: " + origins + " (expected: origins without a path or trailing '/')");
            }
            result.add(trimmed);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("corsOrigins: " + origins + " (expected: at least one origin, or '*')");
        }
        if (result.size() > 1 && result.contains(ANY_ORIGIN)) {
            throw new IllegalArgumentException("corsOrigins: " + origins + " (expected: '*' alone or origins)");
        }
        return List.copyOf(result);
    }

    private static String value(Map<String, String> env, String name) {
        final String value = env.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.trim();
    }

    private static <T> T parse(String name, String value, Function<String, T> parser, String expected) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ')', e);
        }
    }

    private static boolean parseBoolean(String name, String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
            case "yes":
                return true;
            case "false":
            case "0":
            case "no":
                return false;
            default:
                throw new IllegalArgumentException(name + ": " + value + " (expected: true or false)");
        }
    }

    /** Builds a {@link GatewayConfig}; every setter has the default described in {@link GatewayConfig#builder()}. */
    public static final class Builder {

        private int port = DEFAULT_PORT;
        private String target = DEFAULT_TARGET;
        private boolean targetTls;
        private List<String> corsOrigins = List.of(ANY_ORIGIN);
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private Duration shutdownQuietPeriod = DEFAULT_SHUTDOWN_QUIET_PERIOD;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

        private Builder() {}

        /** Sets the HTTP port, 0..65535; 0 picks an ephemeral port (see {@link GrpcWebGateway#port()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Sets the backend gRPC server as {@code host:port}. */
        public Builder target(String target) {
            this.target = requireNonNull(target, "target");
            return this;
        }

        /** Sets whether the backend is reached over TLS. */
        public Builder targetTls(boolean targetTls) {
            this.targetTls = targetTls;
            return this;
        }

        /** Sets the allowed browser origins, e.g. {@code https://app.chargebot.io}, or {@code *} for any. */
        public Builder corsOrigins(List<String> corsOrigins) {
            this.corsOrigins = List.copyOf(requireNonNull(corsOrigins, "corsOrigins"));
            return this;
        }

        /** Sets the allowed browser origins, e.g. {@code https://app.chargebot.io}, or {@code *} for any. */
        public Builder corsOrigins(String... corsOrigins) {
            return corsOrigins(List.of(requireNonNull(corsOrigins, "corsOrigins")));
        }

        /** Sets the largest accepted request, in bytes. */
        public Builder maxRequestBytes(int maxRequestBytes) {
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /** Sets how long the server keeps serving new requests after close begins (default 1 second). */
        public Builder shutdownQuietPeriod(Duration shutdownQuietPeriod) {
            this.shutdownQuietPeriod = requireNonNull(shutdownQuietPeriod, "shutdownQuietPeriod");
            return this;
        }

        /** Sets the longest close waits for calls in flight (default 10 seconds). */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = requireNonNull(shutdownTimeout, "shutdownTimeout");
            return this;
        }

        /**
         * Returns the validated configuration.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public GatewayConfig build() {
            return new GatewayConfig(port, target, targetTls, corsOrigins, maxRequestBytes,
                                     shutdownQuietPeriod, shutdownTimeout);
        }
    }
}
