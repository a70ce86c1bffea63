package io.chargebot.server.config;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.util.UUID;

/**
 * The id of this server replica ({@code chargebot.server-id}, default host name plus a random
 * suffix): shown where replicas meet in the database (NOTIFY payloads, outbox leases).
 */
@Singleton
public final class ServerIdentity {

    private final String id;

    public ServerIdentity(@Nullable @Value("${chargebot.server-id:}") String configured) {
        this.id = configured == null || configured.isBlank() ? defaultId() : configured.strip();
    }

    public String id() {
        return id;
    }

    /** Host name plus a random suffix, unique per process. */
    public static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "server";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
