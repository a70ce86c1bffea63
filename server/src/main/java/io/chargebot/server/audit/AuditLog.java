package io.chargebot.server.audit;

import io.chargebot.server.auth.Principal;
import io.chargebot.server.db.Db;
import io.chargebot.server.grpc.RequestInterceptor;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;

/**
 * Writes audit entries in the caller's transaction, so an entry exists exactly when the change it
 * describes committed. Actors are ids (pseudonymous: they survive the erasure of an account's
 * personal data); details never hold passwords, tokens, codes or licence numbers.
 */
@Singleton
public final class AuditLog {

    private static final String INSERT = "INSERT INTO audit_log (actor, actor_role, action, resource_name, reason, "
            + "details, correlation_id) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)";

    /** Records {@code action} on {@code resourceName} by the current caller (or {@code actor} when given). */
    public void record(Connection connection, @Nullable String actor, @Nullable String actorRole, String action,
                       @Nullable String resourceName, @Nullable String reason, Map<String, String> details)
            throws SQLException {
        Principal principal = Principal.current();
        String who = actor != null ? actor : principal != null ? principal.subject() : null;
        String role = actorRole != null ? actorRole : principal != null ? principal.role().name() : null;
        try (PreparedStatement ps = Db.prepare(connection, INSERT)) {
            ps.setString(1, who);
            ps.setString(2, role);
            ps.setString(3, action);
            ps.setString(4, resourceName);
            ps.setString(5, reason);
            ps.setString(6, Db.jsonObject(details));
            ps.setString(7, RequestInterceptor.CORRELATION_ID.get());
            ps.executeUpdate();
        }
    }
}
