package io.chargebot.server;

import io.chargebot.server.db.DatabaseSettings;
import io.micronaut.core.annotation.Nullable;
import java.util.Map;

/**
 * How to start a {@link ChargeBotServer}.
 *
 * @param grpcPort     port for gRPC, 0 for a free one
 * @param database     the PostgreSQL to use, or null to start an embedded one
 * @param embeddedDatabasePort port for the embedded PostgreSQL, 0 for a free one
 * @param demoData     load the demo parking lots into an empty database
 * @param properties   extra Micronaut properties (override application.yml)
 */
public record ServerOptions(int grpcPort, @Nullable DatabaseSettings database, int embeddedDatabasePort,
                            boolean demoData, Map<String, Object> properties) {

    public static final int DEFAULT_GRPC_PORT = 50051;

    public ServerOptions {
        if (grpcPort < 0 || grpcPort > 65535) {
            throw new IllegalArgumentException("grpcPort: " + grpcPort + " (expected: 0..65535)");
        }
        if (embeddedDatabasePort < 0 || embeddedDatabasePort > 65535) {
            throw new IllegalArgumentException("embeddedDatabasePort: " + embeddedDatabasePort + " (expected: 0..65535)");
        }
        properties = Map.copyOf(properties);
    }

    /**
     * Reads {@code CHARGEBOT_GRPC_PORT} (default 50051), {@code DATABASE_URL} (embedded PostgreSQL
     * when unset), {@code CHARGEBOT_EMBEDDED_DB_PORT} (default: a free port) and
     * {@code CHARGEBOT_DEMO_DATA} (default: true with the embedded database, false otherwise).
     */
    public static ServerOptions fromEnvironment(Map<String, String> env) {
        DatabaseSettings database = DatabaseSettings.fromEnvironment(env);
        int port = intValue(env, "CHARGEBOT_GRPC_PORT", DEFAULT_GRPC_PORT);
        int dbPort = intValue(env, "CHARGEBOT_EMBEDDED_DB_PORT", 0);
        String demo = env.get("CHARGEBOT_DEMO_DATA");
        boolean demoData = demo == null ? database == null : Boolean.parseBoolean(demo);
        return new ServerOptions(port, database, dbPort, demoData, Map.of());
    }

    private static int intValue(Map<String, String> env, String name, int defaultValue) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: an integer)");
        }
    }
}
