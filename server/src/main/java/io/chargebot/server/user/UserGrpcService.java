package io.chargebot.server.user;

import static io.chargebot.server.user.Users.userOfName;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Identifiers;
import io.chargebot.server.auth.Passwords;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.auth.Sessions;
import io.chargebot.server.auth.Verifications;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.FieldMasks;
import io.chargebot.server.grpc.PageSizes;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.license.LicenseCheck;
import io.chargebot.server.license.LicenseNumber;
import io.chargebot.server.license.LicenseQuery;
import io.chargebot.server.license.LicenseVerifier;
import io.chargebot.server.notification.Notifications;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.CreateAdminRequest;
import io.chargebot.user.v1.DeleteAdminRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.Device;
import io.chargebot.user.v1.DevicePlatform;
import io.chargebot.user.v1.DriverLicense;
import io.chargebot.user.v1.GetDriverLicenseRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.ListAdminsRequest;
import io.chargebot.user.v1.ListAdminsResponse;
import io.chargebot.user.v1.ListNotificationsRequest;
import io.chargebot.user.v1.ListNotificationsResponse;
import io.chargebot.user.v1.ListUsersRequest;
import io.chargebot.user.v1.ListUsersResponse;
import io.chargebot.user.v1.Notification;
import io.chargebot.user.v1.NotificationState;
import io.chargebot.user.v1.NotificationType;
import io.chargebot.user.v1.RegisterDeviceRequest;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.UnregisterDeviceRequest;
import io.chargebot.user.v1.UpdateAdminRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * UserService: the caller's profile, password, driver's licence and push devices (seeds 000, 002),
 * and admin accounts (seed 004). {@code users/me} names the caller everywhere.
 */
@Singleton
final class UserGrpcService extends UserServiceGrpc.UserServiceImplBase {

    private static final Set<String> UPDATABLE = Set.of("display_name", "phone", "email", "organization_code",
            "language_code", "disabled_notification_types");
    private static final Set<String> ADMIN_UPDATABLE = Set.of("display_name", "phone", "email", "role");
    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 200;
    private static final int NOTIFICATIONS_PAGE_SIZE = 20;
    private static final int NOTIFICATIONS_MAX_PAGE_SIZE = 100;
    private static final ObjectMapper DATA_JSON = new ObjectMapper();

    private final Db db;
    private final Users users;
    private final Passwords passwords;
    private final Sessions sessions;
    private final Verifications verifications;
    private final LicenseVerifier licenseVerifier;
    private final PageTokens pageTokens;
    private final AuditLog audit;
    private final UserProfiles profiles;
    private final Notifications notifications;

    UserGrpcService(Db db, Users users, Passwords passwords, Sessions sessions, Verifications verifications,
                    LicenseVerifier licenseVerifier, PageTokens pageTokens, AuditLog audit, UserProfiles profiles,
                    Notifications notifications) {
        this.db = db;
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
        this.verifications = verifications;
        this.licenseVerifier = licenseVerifier;
        this.pageTokens = pageTokens;
        this.audit = audit;
        this.profiles = profiles;
        this.notifications = notifications;
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void getUser(GetUserRequest request, StreamObserver<User> observer) {
        UUID id = userOfName(request.getName(), "name", true);
        observer.onNext(profiles.get(id).orElseThrow(() -> ApiException.notFound(request.getName())));
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void updateUser(UpdateUserRequest request, StreamObserver<User> observer) {
        UUID id = userOfName(request.getUser().getName(), "user.name", false);
        List<String> paths = FieldMasks.paths(request.getUpdateMask(), UPDATABLE, "update_mask");
        User changes = request.getUser();
        Violations v = new Violations();
        String displayName = changes.getDisplayName().strip();
        String phone = null;
        String email = null;
        if (paths.contains("display_name")) {
            v.check(!displayName.isEmpty() && displayName.length() <= 100, "user.display_name", "must be 1..100 characters");
        }
        if (paths.contains("phone")) {
            phone = Identifiers.normalizePhone(changes.getPhone());
            v.check(phone != null, "user.phone", "must be a Korean mobile number such as 01012345678");
            v.check(!request.getPhoneVerificationProof().isEmpty(), "phone_verification_proof",
                    "is required to change the phone (from VerifyCode, purpose CHANGE_PHONE)");
        }
        if (paths.contains("email")) {
            if (!changes.getEmail().isEmpty()) {
                email = Identifiers.normalizeEmail(changes.getEmail());
                v.check(email != null, "user.email", "must be an e-mail address of at most 254 characters");
                v.check(!request.getEmailVerificationProof().isEmpty(), "email_verification_proof",
                        "is required to change the e-mail (from VerifyCode, purpose CHANGE_EMAIL)");
            }
        }
        if (paths.contains("organization_code")) {
            v.check(changes.getOrganizationCode().strip().length() <= 64, "user.organization_code", "must be at most 64 characters");
        }
        if (paths.contains("language_code")) {
            v.check(changes.getLanguageCode().equals("ko") || changes.getLanguageCode().equals("en"),
                    "user.language_code", "must be ko or en");
        }
        List<String> notificationsOff = new ArrayList<>();
        if (paths.contains("disabled_notification_types")) {
            for (NotificationType type : changes.getDisabledNotificationTypesList()) {
                if (type == NotificationType.NOTIFICATION_TYPE_UNSPECIFIED || type == NotificationType.UNRECOGNIZED) {
                    v.add("user.disabled_notification_types", "contains an unknown notification type");
                    break;
                }
                String name = type.name().substring("NOTIFICATION_TYPE_".length());
                if (!notificationsOff.contains(name)) {
                    notificationsOff.add(name);
                }
            }
        }
        v.throwIfAny();
        String finalPhone = phone;
        String finalEmail = email;
        Users.Account updated = db.transaction(connection -> {
            Users.Account current = users.byIdForUpdate(connection, id)
                    .orElseThrow(() -> ApiException.notFound("users/" + id));
            if (finalPhone != null && !finalPhone.equals(current.phone())) {
                Verifications.ProvenTarget proven = verifications.consume(connection, request.getPhoneVerificationProof(),
                        Verifications.Purpose.CHANGE_PHONE, "phone_verification_proof");
                requireProven(proven, Verifications.Channel.SMS, finalPhone, "phone_verification_proof");
            }
            if (finalEmail != null && !finalEmail.equals(current.email())) {
                Verifications.ProvenTarget proven = verifications.consume(connection, request.getEmailVerificationProof(),
                        Verifications.Purpose.CHANGE_EMAIL, "email_verification_proof");
                requireProven(proven, Verifications.Channel.EMAIL, finalEmail, "email_verification_proof");
            }
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE users SET "
                    + "display_name = CASE WHEN ? THEN ? ELSE display_name END, "
                    + "phone = CASE WHEN ? THEN ? ELSE phone END, "
                    + "email = CASE WHEN ? THEN ? ELSE email END, "
                    + "organization_code = CASE WHEN ? THEN ? ELSE organization_code END, "
                    + "language = CASE WHEN ? THEN ? ELSE language END, "
                    + "notifications_off = CASE WHEN ? THEN ? ELSE notifications_off END, "
                    + "updated_at = now() WHERE id = ?")) {
                int i = 1;
                ps.setBoolean(i++, paths.contains("display_name"));
                ps.setString(i++, displayName);
                ps.setBoolean(i++, finalPhone != null);
                ps.setString(i++, finalPhone);
                ps.setBoolean(i++, paths.contains("email"));
                ps.setString(i++, finalEmail);
                ps.setBoolean(i++, paths.contains("organization_code"));
                String organization = changes.getOrganizationCode().strip();
                ps.setString(i++, organization.isEmpty() ? null : organization);
                ps.setBoolean(i++, paths.contains("language_code"));
                ps.setString(i++, changes.getLanguageCode());
                ps.setBoolean(i++, paths.contains("disabled_notification_types"));
                ps.setArray(i++, connection.createArrayOf("text", notificationsOff.toArray()));
                ps.setObject(i, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw Users.uniqueViolation(e);
            }
            profiles.changed(connection, id);
            audit.record(connection, null, null, "user.update", "users/" + id, null,
                    Map.of("fields", String.join(",", paths)));
            notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_UPDATED, id);
            return users.byId(connection, id).orElseThrow();
        });
        observer.onNext(Users.toProto(updated));
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void deleteUser(DeleteUserRequest request, StreamObserver<Empty> observer) {
        UUID id = userOfName(request.getName(), "name", false);
        Principal caller = Principal.require();
        if (!caller.userId().equals(id)) {
            throw new ApiException(Status.Code.PERMISSION_DENIED, ErrorReason.PERMISSION_DENIED,
                    "accounts are deleted by their owner; admins use DeleteAdmin for admin accounts");
        }
        if (request.getPassword().isEmpty() || request.getPassword().length() > 1024) {
            throw ApiException.invalid("password", "is required to confirm the deletion");
        }
        Users.Account account = db.read(connection -> users.byId(connection, id)).orElseThrow(() -> ApiException.notFound(request.getName()));
        if (account.role() == Role.ADMIN && countAdmins() <= 1) {
            throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                    "the last admin account cannot be deleted");
        }
        requirePassword(request.getPassword(), account.passwordHash(), "password");
        db.transaction(connection -> {
            erase(connection, id);
            audit.record(connection, id.toString(), account.role().name(), "user.delete", "users/" + id, null, Map.of());
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void changePassword(ChangePasswordRequest request, StreamObserver<Empty> observer) {
        UUID id = userOfName(request.getName(), "name", false);
        Violations v = new Violations();
        v.check(!request.getCurrentPassword().isEmpty() && request.getCurrentPassword().length() <= 1024,
                "current_password", "is required");
        v.check(request.getNewPassword().length() <= 1024, "new_password", "must be at most 128 characters");
        v.throwIfAny();
        Users.Account account = db.read(connection -> users.byId(connection, id)).orElseThrow(() -> ApiException.notFound(request.getName()));
        passwords.checkPolicy(request.getNewPassword(), "new_password", account.loginId(), account.phone(), account.email());
        requirePassword(request.getCurrentPassword(), account.passwordHash(), "current_password");
        String hash = passwords.hash(request.getNewPassword());
        UUID currentSession = Principal.require().sessionId();
        db.transaction(connection -> {
            users.setPassword(connection, id, hash);
            sessions.revokeAll(connection, id, currentSession, "password changed");
            notifications.account(connection, NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED, id);
            audit.record(connection, null, null, "user.password_change", "users/" + id, null, Map.of());
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void registerDriverLicense(RegisterDriverLicenseRequest request, StreamObserver<DriverLicense> observer) {
        UUID id = userOfLicenseName(request.getName(), false);
        Violations v = new Violations();
        LocalDate birthDate = null;
        try {
            birthDate = LocalDate.of(request.getBirthDate().getYear(), request.getBirthDate().getMonth(),
                    request.getBirthDate().getDay());
            v.check(birthDate.isAfter(LocalDate.of(1900, 1, 1)) && birthDate.isBefore(LocalDate.now().minusYears(15)),
                    "birth_date", "must be a real date of birth (at least 16 years ago)");
        } catch (DateTimeException e) {
            v.add("birth_date", "must be a valid date");
        }
        String holder = request.getHolderName().strip();
        v.check(!holder.isEmpty() && holder.length() <= 50, "holder_name", "must be 1..50 characters");
        LicenseNumber number = null;
        try {
            number = LicenseNumber.parse(request.getLicenseNumber());
        } catch (IllegalArgumentException e) {
            v.add("license_number", "must be a Korean licence number such as 12-34-567890-12");
        }
        String serial = request.getSerialNumber().strip();
        v.check(serial.matches("[A-Za-z0-9]{4,20}"), "serial_number", "must be 4..20 letters or digits");
        v.throwIfAny();
        LicenseCheck check = licenseVerifier.verify(new LicenseQuery(birthDate, holder, number, serial));
        LicenseNumber finalNumber = number;
        LocalDate finalBirthDate = birthDate;
        DriverLicense licence = db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "INSERT INTO driver_licenses (user_id, holder_name, birth_date, number_masked, result_code, result, "
                    + "meaning, verified, provider, verified_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now()) "
                    + "ON CONFLICT (user_id) DO UPDATE SET holder_name = excluded.holder_name, birth_date = excluded.birth_date, "
                    + "number_masked = excluded.number_masked, result_code = excluded.result_code, result = excluded.result, "
                    + "meaning = excluded.meaning, verified = excluded.verified, provider = excluded.provider, "
                    + "verified_at = now(), updated_at = now()")) {
                ps.setObject(1, id);
                ps.setString(2, holder);
                ps.setObject(3, finalBirthDate);
                ps.setString(4, finalNumber.masked());
                ps.setString(5, check.resultCode());
                ps.setString(6, check.result());
                ps.setString(7, check.meaning());
                ps.setBoolean(8, check.valid());
                ps.setString(9, check.provider());
                ps.executeUpdate();
            }
            profiles.changed(connection, id);
            audit.record(connection, null, null, "user.license_register", "users/" + id + "/driverLicense", null,
                    Map.of("result_code", check.resultCode(), "verified", String.valueOf(check.valid())));
            return readLicense(connection, id);
        });
        observer.onNext(licence);
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void getDriverLicense(GetDriverLicenseRequest request, StreamObserver<DriverLicense> observer) {
        UUID id = userOfLicenseName(request.getName(), true);
        DriverLicense licence = db.read(connection -> readLicense(connection, id));
        if (licence == null) {
            throw ApiException.notFound("users/" + id + "/driverLicense");
        }
        observer.onNext(licence);
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void registerDevice(RegisterDeviceRequest request, StreamObserver<Device> observer) {
        UUID id = userOfName(request.getParent(), "parent", false);
        Device device = request.getDevice();
        Violations v = new Violations();
        v.check(!device.getFcmToken().isEmpty() && device.getFcmToken().length() <= 4096
                && device.getFcmToken().chars().noneMatch(Character::isWhitespace), "device.fcm_token",
                "must be an FCM registration token (1..4096 characters, no spaces)");
        v.check(device.getPlatform() != DevicePlatform.DEVICE_PLATFORM_UNSPECIFIED
                && device.getPlatform() != DevicePlatform.UNRECOGNIZED, "device.platform", "must be ANDROID, IOS or WEB");
        v.check(device.getAppVersion().length() <= 50, "device.app_version", "must be at most 50 characters");
        v.check(device.getDeviceModel().length() <= 100, "device.device_model", "must be at most 100 characters");
        v.throwIfAny();
        String platform = device.getPlatform().name().substring("DEVICE_PLATFORM_".length());
        Device saved = db.transaction(connection -> {
            // A token moves to whoever registers it last (a shared phone signing in as someone else).
            try (PreparedStatement ps = Db.prepare(connection,
                    "INSERT INTO devices (user_id, fcm_token, platform, app_version, device_model) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT (fcm_token) DO UPDATE SET user_id = excluded.user_id, platform = excluded.platform, "
                    + "app_version = excluded.app_version, device_model = excluded.device_model, last_seen_at = now() "
                    + "RETURNING id, created_at, last_seen_at")) {
                ps.setObject(1, id);
                ps.setString(2, device.getFcmToken());
                ps.setString(3, platform);
                ps.setString(4, device.getAppVersion().isEmpty() ? null : device.getAppVersion());
                ps.setString(5, device.getDeviceModel().isEmpty() ? null : device.getDeviceModel());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return device.toBuilder()
                            .setName("users/" + id + "/devices/" + rs.getObject(1, UUID.class))
                            .setCreateTime(ProtoTime.timestamp(rs.getTimestamp(2).toInstant()))
                            .setUpdateTime(ProtoTime.timestamp(rs.getTimestamp(3).toInstant()))
                            .build();
                }
            }
        });
        observer.onNext(saved);
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void unregisterDevice(UnregisterDeviceRequest request, StreamObserver<Empty> observer) {
        String name = request.getName();
        int slash = name.indexOf("/devices/");
        if (slash < 0) {
            throw ApiException.invalid("name", "must have the format users/{user}/devices/{device}");
        }
        UUID userId = userOfName(name.substring(0, slash), "name", false);
        UUID deviceId = ResourceNames.parseId(name.substring(slash + "/devices/".length()), "name", "users/{user}/devices/{device}");
        int deleted = db.transaction(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, "DELETE FROM devices WHERE id = ? AND user_id = ?")) {
                ps.setObject(1, deviceId);
                ps.setObject(2, userId);
                return ps.executeUpdate();
            }
        });
        if (deleted == 0) {
            throw ApiException.notFound(name);
        }
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    @Access({Role.USER, Role.ADMIN})
    public void listNotifications(ListNotificationsRequest request, StreamObserver<ListNotificationsResponse> observer) {
        Principal caller = Principal.require();
        String parent = request.getParent();
        if (!parent.equals("users/me")) {
            if (!parent.startsWith("users/")) {
                throw ApiException.invalid("parent", "must be users/me or users/{uuid}");
            }
            UUID named = ResourceNames.parseId(parent.substring("users/".length()), "parent", "users/me or users/{uuid}");
            if (!caller.isAdmin() && !named.equals(caller.userId())) {
                // Whether or not the account exists: listing another account's notifications is for admins.
                throw new ApiException(Status.Code.PERMISSION_DENIED, ErrorReason.PERMISSION_DENIED,
                        "only an ADMIN may list another account's notifications");
            }
        }
        UUID id = userOfName(parent, "parent", true);
        Violations v = new Violations();
        List<String> states = new ArrayList<>();
        for (NotificationState state : request.getStatesList()) {
            if (state == NotificationState.UNRECOGNIZED) {
                v.add("states", "contains an unknown notification state");
            } else if (state != NotificationState.NOTIFICATION_STATE_UNSPECIFIED) {
                states.add(state.name().substring("NOTIFICATION_STATE_".length()));
            }
        }
        v.throwIfAny();
        int pageSize = PageSizes.of(request.getPageSize(), NOTIFICATIONS_PAGE_SIZE, NOTIFICATIONS_MAX_PAGE_SIZE);
        String query = "ListNotifications:" + id + ":" + String.join(",", states);
        Cursor after = Cursor.decode(pageTokens, request.getPageToken(), query);
        List<Notification> notifications = new ArrayList<>();
        Cursor[] last = new Cursor[1];
        boolean more = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT id, type, title, body, resource_name, status, last_error, created_at, sent_at, next_attempt_at, "
                    + "language, data::text, attempts, delivered_devices "
                    + "FROM notification_outbox WHERE user_id = ? AND (cardinality(?::text[]) = 0 OR status = ANY (?::text[])) "
                    + "AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?")) {
                Array statesArray = connection.createArrayOf("text", states.toArray());
                ps.setObject(1, id);
                ps.setArray(2, statesArray);
                ps.setArray(3, statesArray);
                ps.setTimestamp(4, after.time());
                ps.setObject(5, after.id());
                ps.setInt(6, pageSize + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (notifications.size() == pageSize) {
                            return true;
                        }
                        UUID nid = rs.getObject(1, UUID.class);
                        String state = rs.getString(6);
                        Notification.Builder n = Notification.newBuilder()
                                .setName("users/" + id + "/notifications/" + nid)
                                .setTitle(rs.getString(3))
                                .setBody(rs.getString(4))
                                .setState(NotificationState.valueOf("NOTIFICATION_STATE_" + state))
                                .setCreateTime(ProtoTime.timestamp(rs.getTimestamp(8).toInstant()))
                                .setLanguageCode(rs.getString(11))
                                .putAllData(dataOf(rs.getString(12)))
                                .setAttemptCount(rs.getInt(13))
                                .setDeliveredDeviceCount(rs.getInt(14));
                        try {
                            n.setType(NotificationType.valueOf("NOTIFICATION_TYPE_" + rs.getString(2)));
                        } catch (IllegalArgumentException unknown) {
                            n.setType(NotificationType.NOTIFICATION_TYPE_UNSPECIFIED);
                        }
                        if (rs.getString(5) != null) {
                            n.setResource(rs.getString(5));
                        }
                        if (rs.getString(7) != null) {
                            n.setLastError(rs.getString(7));
                        }
                        if (rs.getTimestamp(9) != null && state.equals("SENT")) {
                            n.setSendTime(ProtoTime.timestamp(rs.getTimestamp(9).toInstant()));
                        }
                        if (state.equals("PENDING")) {
                            n.setNextAttemptTime(ProtoTime.timestamp(rs.getTimestamp(10).toInstant()));
                        }
                        notifications.add(n.build());
                        last[0] = new Cursor(rs.getTimestamp(8), nid);
                    }
                }
            }
            return false;
        });
        ListNotificationsResponse.Builder response = ListNotificationsResponse.newBuilder().addAllNotifications(notifications);
        if (more) {
            response.setNextPageToken(last[0].encode(pageTokens, query));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    /** The outbox's data payload (a JSON object of strings). */
    private static Map<String, String> dataOf(String json) {
        try {
            Map<String, String> data = new LinkedHashMap<>();
            DATA_JSON.readTree(json).fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
            return data;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox data is not JSON", e);
        }
    }

    @Override
    @Access(Role.ADMIN)
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> observer) {
        String search = request.getQuery().strip();
        if (search.length() > 100) {
            throw ApiException.invalid("query", "must be at most 100 characters");
        }
        String role = switch (request.getRole()) {
            case ROLE_UNSPECIFIED -> null;
            case ROLE_USER -> "USER";
            case ROLE_ADMIN -> "ADMIN";
            default -> throw ApiException.invalid("role", "must be ROLE_USER, ROLE_ADMIN or unset");
        };
        Page page = listAccounts(request.getPageSize(), request.getPageToken(), role, search);
        observer.onNext(ListUsersResponse.newBuilder().addAllUsers(page.users()).setNextPageToken(page.nextPageToken()).build());
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void createAdmin(CreateAdminRequest request, StreamObserver<User> observer) {
        Violations v = new Violations();
        v.check(Identifiers.isValidLoginId(request.getLoginId()), "login_id",
                "must be 4..30 letters, digits, '.', '_' or '-', starting with a letter or digit");
        String displayName = request.getDisplayName().strip();
        v.check(!displayName.isEmpty() && displayName.length() <= 100, "display_name", "must be 1..100 characters");
        String phone = null;
        if (!request.getPhone().isEmpty()) {
            phone = Identifiers.normalizePhone(request.getPhone());
            v.check(phone != null, "phone", "must be a Korean mobile number such as 01012345678");
        }
        String email = null;
        if (!request.getEmail().isEmpty()) {
            email = Identifiers.normalizeEmail(request.getEmail());
            v.check(email != null, "email", "must be an e-mail address of at most 254 characters");
        }
        v.check(request.getPassword().length() <= 1024, "password", "must be at most 128 characters");
        v.throwIfAny();
        passwords.checkPolicy(request.getPassword(), "password", request.getLoginId());
        String hash = passwords.hash(request.getPassword());
        String finalPhone = phone;
        String finalEmail = email;
        Users.Account created = db.transaction(connection -> {
            UUID id = users.insert(connection, new Users.NewAccount(request.getLoginId(), displayName, finalPhone,
                    finalEmail, Role.ADMIN, "HOME", null, null, "ko", hash));
            audit.record(connection, null, null, "admin.create", "users/" + id, null, Map.of());
            return users.byId(connection, id).orElseThrow();
        });
        observer.onNext(Users.toProto(created));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void listAdmins(ListAdminsRequest request, StreamObserver<ListAdminsResponse> observer) {
        Page page = listAccounts(request.getPageSize(), request.getPageToken(), "ADMIN", "");
        observer.onNext(ListAdminsResponse.newBuilder().addAllAdmins(page.users()).setNextPageToken(page.nextPageToken()).build());
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void updateAdmin(UpdateAdminRequest request, StreamObserver<User> observer) {
        UUID id = userOfName(request.getUser().getName(), "user.name", true);
        List<String> paths = request.hasUpdateMask()
                ? FieldMasks.paths(request.getUpdateMask(), ADMIN_UPDATABLE, "update_mask") : List.of();
        if (paths.isEmpty() && request.getNewPassword().isEmpty()) {
            throw ApiException.invalid("update_mask", "name at least one field, or set new_password");
        }
        User changes = request.getUser();
        Violations v = new Violations();
        String displayName = changes.getDisplayName().strip();
        if (paths.contains("display_name")) {
            v.check(!displayName.isEmpty() && displayName.length() <= 100, "user.display_name", "must be 1..100 characters");
        }
        String phone = paths.contains("phone") && !changes.getPhone().isEmpty() ? Identifiers.normalizePhone(changes.getPhone()) : null;
        if (paths.contains("phone") && !changes.getPhone().isEmpty()) {
            v.check(phone != null, "user.phone", "must be a Korean mobile number such as 01012345678");
        }
        String email = paths.contains("email") && !changes.getEmail().isEmpty() ? Identifiers.normalizeEmail(changes.getEmail()) : null;
        if (paths.contains("email") && !changes.getEmail().isEmpty()) {
            v.check(email != null, "user.email", "must be an e-mail address of at most 254 characters");
        }
        String role = null;
        if (paths.contains("role")) {
            role = switch (changes.getRole()) {
                case ROLE_ADMIN -> "ADMIN";
                case ROLE_USER -> "USER";
                default -> null;
            };
            v.check(role != null, "user.role", "must be ROLE_ADMIN or ROLE_USER");
        }
        v.check(request.getNewPassword().length() <= 1024, "new_password", "must be at most 128 characters");
        v.throwIfAny();
        String hash = null;
        if (!request.getNewPassword().isEmpty()) {
            passwords.checkPolicy(request.getNewPassword(), "new_password");
            hash = passwords.hash(request.getNewPassword());
        }
        String finalRole = role;
        String finalHash = hash;
        Users.Account updated = db.transaction(connection -> {
            Users.Account current = users.byIdForUpdate(connection, id).orElseThrow(() -> ApiException.notFound("users/" + id));
            if ("USER".equals(finalRole) && current.role() == Role.ADMIN && countAdmins(connection) <= 1) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "the last admin cannot be demoted");
            }
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE users SET "
                    + "display_name = CASE WHEN ? THEN ? ELSE display_name END, "
                    + "phone = CASE WHEN ? THEN ? ELSE phone END, "
                    + "email = CASE WHEN ? THEN ? ELSE email END, "
                    + "role = COALESCE(?, role), updated_at = now() WHERE id = ?")) {
                ps.setBoolean(1, paths.contains("display_name"));
                ps.setString(2, displayName);
                ps.setBoolean(3, paths.contains("phone"));
                ps.setString(4, phone);
                ps.setBoolean(5, paths.contains("email"));
                ps.setString(6, email);
                ps.setString(7, finalRole);
                ps.setObject(8, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw Users.uniqueViolation(e);
            }
            profiles.changed(connection, id);
            if (finalHash != null) {
                users.setPassword(connection, id, finalHash);
            }
            if (!paths.isEmpty()) {
                notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_UPDATED, id);
            }
            if (finalHash != null) {
                notifications.account(connection, NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED, id);
            }
            if (finalHash != null || (finalRole != null && !finalRole.equals(current.role().name()))) {
                sessions.revokeAll(connection, id, null, "changed by an admin");
            }
            audit.record(connection, null, null, "admin.update", "users/" + id, null,
                    Map.of("fields", String.join(",", paths), "password_reset", String.valueOf(finalHash != null)));
            return users.byId(connection, id).orElseThrow();
        });
        observer.onNext(Users.toProto(updated));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void deleteAdmin(DeleteAdminRequest request, StreamObserver<Empty> observer) {
        UUID id = userOfName(request.getName(), "name", true);
        if (request.getPassword().isEmpty() || request.getPassword().length() > 1024) {
            throw ApiException.invalid("password", "is required: your own password, to confirm");
        }
        Principal caller = Principal.require();
        Users.Account me = db.read(connection -> users.byId(connection, caller.userId())).orElseThrow();
        requirePassword(request.getPassword(), me.passwordHash(), "password");
        db.transaction(connection -> {
            Users.Account target = users.byIdForUpdate(connection, id).orElseThrow(() -> ApiException.notFound(request.getName()));
            if (target.role() != Role.ADMIN) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        request.getName() + " is not an admin account");
            }
            if (countAdmins(connection) <= 1) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "the last admin account cannot be deleted");
            }
            erase(connection, id);
            audit.record(connection, null, null, "admin.delete", "users/" + id, null, Map.of());
            return null;
        });
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    /**
     * Deletes an account: revokes its sessions, cancels its future reservations, removes devices
     * and licence, soft-deletes its cars, and erases personal data; the row stays (pseudonymous id)
     * for the reservations and audit entries that refer to it.
     */
    private void erase(Connection connection, UUID id) throws SQLException {
        // First: it captures the devices' tokens (removed below) and reads the preferences (reset below).
        notifications.account(connection, NotificationType.NOTIFICATION_TYPE_ACCOUNT_DELETED, id);
        sessions.revokeAll(connection, id, null, "account deleted");
        profiles.changed(connection, id);
        try (PreparedStatement ps = Db.prepare(connection,
                "UPDATE reservations SET status = 'CANCELLED', cancel_reason = 'account deleted', cancelled_by = ?, "
                + "updated_at = now() WHERE user_id = ? AND status = 'CONFIRMED' AND lower(period) > now()")) {
            ps.setObject(1, id);
            ps.setObject(2, id);
            ps.executeUpdate();
        }
        for (String sql : List.of(
                "DELETE FROM devices WHERE user_id = ?",
                "DELETE FROM driver_licenses WHERE user_id = ?",
                "UPDATE cars SET deleted_at = now() WHERE user_id = ? AND deleted_at IS NULL",
                "UPDATE users SET login_id = 'deleted-' || id, display_name = '', phone = NULL, email = NULL, "
                        + "password_hash = NULL, sns_id = NULL, organization_code = NULL, notifications_off = '{}', "
                        + "deleted_at = now(), updated_at = now() WHERE id = ?")) {
            try (PreparedStatement ps = Db.prepare(connection, sql)) {
                ps.setObject(1, id);
                ps.executeUpdate();
            }
        }
    }

    private record Page(List<User> users, String nextPageToken) {}

    private Page listAccounts(int requestedPageSize, String pageToken, String role, String search) {
        int pageSize = PageSizes.of(requestedPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        String query = "ListAccounts:" + role + ':' + search;
        Cursor after = Cursor.decode(pageTokens, pageToken, query);
        List<User> result = new ArrayList<>();
        Cursor[] last = new Cursor[1];
        boolean more = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection,
                    "SELECT u.id, u.login_id, u.display_name, u.phone, u.email, u.role, u.join_path, u.sns_id, "
                    + "u.organization_code, u.language, u.notifications_off, u.password_hash, u.created_at, u.updated_at, "
                    + "u.last_sign_in_at, EXISTS (SELECT 1 FROM driver_licenses d WHERE d.user_id = u.id AND d.verified) AS license_verified "
                    + "FROM users u WHERE u.deleted_at IS NULL AND (?::text IS NULL OR u.role = ?) "
                    + "AND (? = '' OR lower(u.login_id) LIKE ? OR lower(u.display_name) LIKE ? OR u.phone LIKE ? OR lower(u.email) LIKE ?) "
                    + "AND (u.created_at, u.id) < (?, ?) ORDER BY u.created_at DESC, u.id DESC LIMIT ?")) {
                String like = "%" + search.toLowerCase().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
                ps.setString(1, role);
                ps.setString(2, role);
                ps.setString(3, search);
                ps.setString(4, like);
                ps.setString(5, like);
                ps.setString(6, like);
                ps.setString(7, like);
                ps.setTimestamp(8, after.time());
                ps.setObject(9, after.id());
                ps.setInt(10, pageSize + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (result.size() == pageSize) {
                            return true;
                        }
                        Users.Account account = Users.account(rs);
                        result.add(Users.toProto(account));
                        last[0] = new Cursor(rs.getTimestamp("created_at"), account.id());
                    }
                }
            }
            return false;
        });
        return new Page(result, more ? last[0].encode(pageTokens, query) : "");
    }

    /** Keyset position (created_at, id) for newest-first lists. */
    private record Cursor(Timestamp time, UUID id) {
        static final Cursor START = new Cursor(Timestamp.valueOf("9999-12-31 00:00:00"), new UUID(-1L, -1L));

        static Cursor decode(PageTokens tokens, String token, String query) {
            if (token.isEmpty()) {
                return START;
            }
            ByteBuffer position = tokens.decode(token, query);
            if (position.remaining() != 28) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            long seconds = position.getLong();
            int nanos = position.getInt();
            Timestamp time = new Timestamp(seconds * 1000);
            time.setNanos(nanos);
            return new Cursor(time, new UUID(position.getLong(), position.getLong()));
        }

        String encode(PageTokens tokens, String query) {
            java.time.Instant instant = time.toInstant();
            return tokens.encode(query, ByteBuffer.allocate(28).putLong(instant.getEpochSecond()).putInt(instant.getNano())
                    .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array());
        }
    }

    private DriverLicense readLicense(Connection connection, UUID userId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT number_masked, result_code, result, meaning, verified, verified_at FROM driver_licenses WHERE user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return DriverLicense.newBuilder()
                        .setName("users/" + userId + "/driverLicense")
                        .setMaskedLicenseNumber(rs.getString(1))
                        .setResultCode(rs.getString(2))
                        .setResult(rs.getString(3))
                        .setMeaning(rs.getString(4))
                        .setVerified(rs.getBoolean(5))
                        .setVerifyTime(ProtoTime.timestamp(rs.getTimestamp(6).toInstant()))
                        .build();
            }
        }
    }

    private int countAdmins() {
        return db.read(this::countAdmins);
    }

    private int countAdmins(Connection connection) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT count(*) FROM users WHERE role = 'ADMIN' AND deleted_at IS NULL")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void requirePassword(String password, String hash, String field) {
        if (!passwords.verify(password, hash)) {
            throw new ApiException(Status.Code.PERMISSION_DENIED, ErrorReason.SIGN_IN_FAILED, field + " is wrong");
        }
    }

    private static void requireProven(Verifications.ProvenTarget proven, Verifications.Channel channel, String target,
                                      String field) {
        if (proven.channel() != channel || !proven.target().equals(target)) {
            throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.VERIFICATION_FAILED,
                    field + " was issued for another target",
                    List.of(new io.chargebot.server.error.FieldViolation(field, "was issued for another target")),
                    Map.of(), null);
        }
    }

    private static UUID userOfLicenseName(String name, boolean adminMayNameOthers) {
        if (!name.endsWith("/driverLicense")) {
            throw ApiException.invalid("name", "must be users/me/driverLicense or users/{uuid}/driverLicense");
        }
        return userOfName(name.substring(0, name.length() - "/driverLicense".length()), "name", adminMayNameOthers);
    }
}
