package io.chargebot.server.auth;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Machine callers (the robot bridge, camera workers, partners): a client id, a secret stored as an
 * argon2id hash, and scopes. They exchange id + secret for a short-lived SERVICE access token
 * (AuthService.IssueServiceToken) and then call like any other caller. Clients are declared in
 * {@code CHARGEBOT_SERVICE_CLIENTS} as {@code id:secret:scope1 scope2,id2:secret2:scope} and
 * synchronised into the database at start (a client no longer listed is disabled).
 */
@Singleton
public final class ServiceClients {

    private static final Logger logger = LoggerFactory.getLogger(ServiceClients.class);

    /** A granted token and the client's scopes. */
    public record Grant(AccessTokens.Issued token, List<String> scopes) {}

    record Declared(String clientId, String secret, Set<String> scopes) {}

    private final Db db;
    private final Passwords passwords;
    private final AccessTokens accessTokens;
    private final List<Declared> declared;

    public ServiceClients(Db db, Passwords passwords, AccessTokens accessTokens,
                          @Nullable @Value("${chargebot.service-clients:}") String clients) {
        this.db = db;
        this.passwords = passwords;
        this.accessTokens = accessTokens;
        this.declared = parse(clients);
    }

    static List<Declared> parse(@Nullable String spec) {
        List<Declared> result = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return result;
        }
        for (String entry : spec.split(",")) {
            String[] parts = entry.strip().split(":", 3);
            if (parts.length < 2 || !parts[0].matches("[a-z0-9][a-z0-9._-]{2,63}") || parts[1].length() < 32) {
                throw new ConfigurationException("chargebot.service-clients: each entry must be "
                        + "<client-id>:<secret of 32+ characters>[:<scopes separated by spaces>]");
            }
            Set<String> scopes = new LinkedHashSet<>();
            if (parts.length == 3) {
                for (String scope : parts[2].strip().split("\\s+")) {
                    if (!scope.isEmpty()) {
                        scopes.add(scope);
                    }
                }
            }
            result.add(new Declared(parts[0], parts[1], scopes));
        }
        return result;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (declared.isEmpty()) {
            return;
        }
        db.transaction(connection -> {
            for (Declared client : declared) {
                String hash = null;
                try (PreparedStatement ps = Db.prepare(connection,
                        "SELECT secret_hash FROM service_clients WHERE client_id = ?")) {
                    ps.setString(1, client.clientId());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            hash = rs.getString(1);
                        }
                    }
                }
                if (hash == null || !passwords.verify(client.secret(), hash)) {
                    hash = passwords.hash(client.secret());
                }
                try (PreparedStatement ps = Db.prepare(connection,
                        "INSERT INTO service_clients (client_id, secret_hash, scopes) VALUES (?, ?, ?) "
                        + "ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, "
                        + "scopes = excluded.scopes, disabled_at = NULL")) {
                    ps.setString(1, client.clientId());
                    ps.setString(2, hash);
                    ps.setArray(3, connection.createArrayOf("text", client.scopes().toArray()));
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = Db.prepare(connection,
                    "UPDATE service_clients SET disabled_at = now() WHERE disabled_at IS NULL AND NOT (client_id = ANY (?))")) {
                ps.setArray(1, connection.createArrayOf("text", declared.stream().map(Declared::clientId).toArray()));
                ps.executeUpdate();
            }
            return null;
        });
        logger.info("Service clients: {}", declared.stream().map(Declared::clientId).toList());
    }

    /** A SERVICE token for a client whose secret matches; otherwise the same UNAUTHENTICATED reply. */
    public Grant authenticate(String clientId, String secret) {
        record Row(String hash, List<String> scopes) {}
        Row row = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT secret_hash, scopes FROM service_clients WHERE client_id = ? AND disabled_at IS NULL")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    List<String> scopes = new ArrayList<>();
                    for (Object scope : (Object[]) rs.getArray(2).getArray()) {
                        scopes.add((String) scope);
                    }
                    return new Row(rs.getString(1), scopes);
                }
            }
        });
        if (!passwords.verify(secret, row == null ? null : row.hash())) {
            throw new ApiException(Status.Code.UNAUTHENTICATED, ErrorReason.SIGN_IN_FAILED, "the client id or secret is wrong");
        }
        return new Grant(accessTokens.issueForService(clientId, Set.copyOf(row.scopes())), row.scopes());
    }
}
