package io.chargebot.server.user;

import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.auth.Passwords;
import io.chargebot.server.auth.Role;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.db.Db;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the first admin account when there is none (seed 004), from
 * {@code CHARGEBOT_ADMIN_LOGIN_ID} and {@code CHARGEBOT_ADMIN_PASSWORD}. Locally, without them, an
 * {@code admin} account with a random password is created and the password is printed once, so a
 * developer can sign in; in production they are required while no admin exists.
 */
@Singleton
final class InitialAdmin {

    private static final Logger logger = LoggerFactory.getLogger(InitialAdmin.class);

    private final Db db;
    private final Users users;
    private final Passwords passwords;
    private final RuntimeProfile profile;
    private final AuditLog audit;
    private final String loginId;
    @Nullable
    private final String password;

    InitialAdmin(Db db, Users users, Passwords passwords, RuntimeProfile profile, AuditLog audit,
                 @Value("${chargebot.admin.login-id:admin}") String loginId,
                 @Nullable @Value("${chargebot.admin.password:}") String password) {
        this.db = db;
        this.users = users;
        this.passwords = passwords;
        this.profile = profile;
        this.audit = audit;
        this.loginId = loginId;
        this.password = password == null || password.isEmpty() ? null : password;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        boolean exists = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT 1 FROM users WHERE role = 'ADMIN' AND deleted_at IS NULL LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
        if (exists) {
            return;
        }
        String chosen = password;
        if (chosen == null) {
            if (profile.production()) {
                throw new ConfigurationException("no admin account exists: set CHARGEBOT_ADMIN_LOGIN_ID and "
                        + "CHARGEBOT_ADMIN_PASSWORD for the first start");
            }
            chosen = passwords.generate();
        }
        passwords.checkPolicy(chosen, "CHARGEBOT_ADMIN_PASSWORD");
        String hash = passwords.hash(chosen);
        UUID id = db.transaction(connection -> {
            UUID created = users.insert(connection, new Users.NewAccount(loginId, "Administrator", null, null,
                    Role.ADMIN, "HOME", null, null, "ko", hash));
            audit.record(connection, "system", "SYSTEM", "admin.create_initial", "users/" + created, null, Map.of());
            return created;
        });
        if (password == null) {
            // Local development only: the one way a developer learns the generated password.
            logger.info("Created the initial admin account: login id '{}', password '{}' (local profile; set "
                    + "CHARGEBOT_ADMIN_PASSWORD to choose it)", loginId, chosen);
        } else {
            logger.info("Created the initial admin account '{}' (users/{})", loginId, id);
        }
    }
}
