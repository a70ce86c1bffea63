package io.chargebot.server.user;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.user.v1.JoinPath;
import io.chargebot.user.v1.NotificationType;
import io.chargebot.user.v1.User;
import io.grpc.Status;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The users table: accounts of drivers and admins. */
@Singleton
public final class Users {

    /** One account row. Personal fields are null once an account is erased. */
    public record Account(UUID id, String loginId, String displayName, @Nullable String phone, @Nullable String email,
                          Role role, String joinPath, @Nullable String snsId, @Nullable String organizationCode,
                          String language, List<String> notificationsOff, @Nullable String passwordHash,
                          Instant createdAt, Instant updatedAt, @Nullable Instant lastSignInAt,
                          boolean licenseVerified) {

        public String name() {
            return "users/" + id;
        }
    }

    private static final String COLUMNS = "u.id, u.login_id, u.display_name, u.phone, u.email, u.role, u.join_path, "
            + "u.sns_id, u.organization_code, u.language, u.notifications_off, u.password_hash, u.created_at, "
            + "u.updated_at, u.last_sign_in_at, EXISTS (SELECT 1 FROM driver_licenses d WHERE d.user_id = u.id AND d.verified) "
            + "AS license_verified";

    private static final String BY_ID = "SELECT " + COLUMNS + " FROM users u WHERE u.id = ? AND u.deleted_at IS NULL";

    private final UserProfiles profiles;

    public Users(UserProfiles profiles) {
        this.profiles = profiles;
    }

    public Optional<Account> byId(Connection connection, UUID id) throws SQLException {
        return findById(connection, id);
    }

    static Optional<Account> findById(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, BY_ID)) {
            ps.setObject(1, id);
            return read(ps);
        }
    }

    /** Locks the row for update in the caller's transaction. */
    public Optional<Account> byIdForUpdate(Connection connection, UUID id) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM users u WHERE u.id = ? AND u.deleted_at IS NULL FOR UPDATE", id);
    }

    public Optional<Account> byLoginId(Connection connection, String loginId) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM users u WHERE lower(u.login_id) = lower(?) AND u.deleted_at IS NULL", loginId);
    }

    public Optional<Account> byPhone(Connection connection, String phone) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM users u WHERE u.phone = ? AND u.deleted_at IS NULL", phone);
    }

    public Optional<Account> byEmail(Connection connection, String email) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM users u WHERE lower(u.email) = lower(?) AND u.deleted_at IS NULL", email);
    }

    public Optional<Account> bySocial(Connection connection, String joinPath, String snsId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT " + COLUMNS + " FROM users u WHERE u.join_path = ? AND u.sns_id = ? AND u.deleted_at IS NULL")) {
            ps.setString(1, joinPath);
            ps.setString(2, snsId);
            return read(ps);
        }
    }

    public boolean loginIdExists(Connection connection, String loginId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT 1 FROM users WHERE lower(login_id) = lower(?) AND deleted_at IS NULL")) {
            ps.setString(1, loginId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** New account fields. */
    public record NewAccount(String loginId, String displayName, @Nullable String phone, @Nullable String email,
                             Role role, String joinPath, @Nullable String snsId, @Nullable String organizationCode,
                             String language, String passwordHash) {}

    /**
     * Inserts an account; a login id, phone, e-mail or social account already in use becomes
     * ALREADY_EXISTS with LOGIN_ID_TAKEN, PHONE_TAKEN, EMAIL_TAKEN or RESOURCE_EXISTS (the database's
     * unique indexes decide, so two simultaneous sign-ups cannot both win).
     */
    public UUID insert(Connection connection, NewAccount account) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = Db.prepare(connection,
                "INSERT INTO users (id, login_id, display_name, phone, email, role, join_path, sns_id, organization_code, "
                + "language, password_hash, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())")) {
            ps.setObject(1, id);
            ps.setString(2, account.loginId());
            ps.setString(3, account.displayName());
            ps.setString(4, account.phone());
            ps.setString(5, account.email());
            ps.setString(6, account.role().name());
            ps.setString(7, account.joinPath());
            ps.setString(8, account.snsId());
            ps.setString(9, account.organizationCode());
            ps.setString(10, account.language());
            ps.setString(11, account.passwordHash());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw uniqueViolation(e);
        }
        profiles.changed(connection, id);
        return id;
    }

    /**
     * Maps a unique violation on users to the reason a client can act on; rethrows anything else.
     * Must be called with the exception of the failed statement.
     */
    public static SQLException uniqueViolation(SQLException e) {
        if (!"23505".equals(e.getSQLState())) {
            return e;
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("users_login_id_key")) {
            throw new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.LOGIN_ID_TAKEN, "this login id is already taken");
        }
        if (message.contains("users_phone_key")) {
            throw new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.PHONE_TAKEN, "this phone number is already registered");
        }
        if (message.contains("users_email_key")) {
            throw new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.EMAIL_TAKEN, "this e-mail address is already registered");
        }
        if (message.contains("users_sns_key")) {
            throw new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESOURCE_EXISTS, "this social account is already linked to an account");
        }
        return e;
    }

    public void touchSignIn(Connection connection, UUID id) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE users SET last_sign_in_at = now() WHERE id = ?")) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
        profiles.changed(connection, id);
    }

    public void setPassword(Connection connection, UUID id, String passwordHash) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE users SET password_hash = ?, password_changed_at = now(), updated_at = now() WHERE id = ?")) {
            ps.setString(1, passwordHash);
            ps.setObject(2, id);
            ps.executeUpdate();
        }
        profiles.changed(connection, id);
    }

    /**
     * The user named by {@code name} ("users/me" or "users/{uuid}"). Users may only name
     * themselves; admins may name anyone when {@code adminMayNameOthers}.
     */
    public static UUID userOfName(String name, String field, boolean adminMayNameOthers) {
        Principal caller = Principal.require();
        if (name.equals("users/me")) {
            return caller.userId();
        }
        if (!name.startsWith("users/")) {
            throw ApiException.invalid(field, "must be users/me or users/{uuid}");
        }
        UUID id = io.chargebot.server.grpc.ResourceNames.parseId(name.substring("users/".length()), field, "users/me or users/{uuid}");
        if (!id.equals(caller.userId()) && !(adminMayNameOthers && caller.isAdmin())) {
            // Same reply as a missing account: another user's existence is not revealed.
            throw ApiException.notFound(name);
        }
        return id;
    }

    /** The API form of an account. */
    public static User toProto(Account account) {
        User.Builder user = User.newBuilder()
                .setName(account.name())
                .setLoginId(account.loginId())
                .setDisplayName(account.displayName())
                .setRole(switch (account.role()) {
                    case USER -> io.chargebot.user.v1.Role.ROLE_USER;
                    case ADMIN -> io.chargebot.user.v1.Role.ROLE_ADMIN;
                    case SERVICE -> io.chargebot.user.v1.Role.ROLE_SERVICE;
                })
                .setJoinPath(JoinPath.valueOf("JOIN_PATH_" + account.joinPath()))
                .setLanguageCode(account.language())
                .setDriverLicenseVerified(account.licenseVerified())
                .setCreateTime(ProtoTime.timestamp(account.createdAt()))
                .setUpdateTime(ProtoTime.timestamp(account.updatedAt()));
        if (account.phone() != null) {
            user.setPhone(account.phone());
        }
        if (account.email() != null) {
            user.setEmail(account.email());
        }
        if (account.organizationCode() != null) {
            user.setOrganizationCode(account.organizationCode());
        }
        if (account.lastSignInAt() != null) {
            user.setLastSignInTime(ProtoTime.timestamp(account.lastSignInAt()));
        }
        for (String type : account.notificationsOff()) {
            user.addDisabledNotificationTypes(NotificationType.valueOf("NOTIFICATION_TYPE_" + type));
        }
        return user.build();
    }

    private Optional<Account> one(Connection connection, String sql, Object key) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, sql)) {
            ps.setObject(1, key);
            return read(ps);
        }
    }

    private static Optional<Account> read(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(account(rs));
        }
    }

    static Account account(ResultSet rs) throws SQLException {
        Array off = rs.getArray("notifications_off");
        List<String> notificationsOff = new ArrayList<>();
        if (off != null) {
            for (Object o : (Object[]) off.getArray()) {
                notificationsOff.add((String) o);
            }
        }
        return new Account(rs.getObject("id", UUID.class), rs.getString("login_id"), rs.getString("display_name"),
                rs.getString("phone"), rs.getString("email"), Role.valueOf(rs.getString("role")),
                rs.getString("join_path"), rs.getString("sns_id"), rs.getString("organization_code"),
                rs.getString("language"), notificationsOff, rs.getString("password_hash"),
                instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("updated_at")),
                instant(rs.getTimestamp("last_sign_in_at")), rs.getBoolean("license_verified"));
    }

    @Nullable
    private static Instant instant(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
