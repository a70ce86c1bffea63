package io.chargebot.server.user;

import static io.chargebot.server.auth.AuthTestClient.assertFails;
import static io.chargebot.server.auth.AuthTestClient.assertInvalid;
import static io.chargebot.server.auth.AuthTestClient.withToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.type.Date;
import io.chargebot.auth.v1.AuthTokens;
import io.chargebot.auth.v1.FindLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdResponse;
import io.chargebot.auth.v1.RefreshTokenRequest;
import io.chargebot.auth.v1.ResetPasswordRequest;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.server.auth.AuthTestClient;
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
import io.chargebot.user.v1.NotificationType;
import io.chargebot.user.v1.RegisterDeviceRequest;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.Role;
import io.chargebot.user.v1.UnregisterDeviceRequest;
import io.chargebot.user.v1.UpdateAdminRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** UserService and the account flows of AuthService (seeds 000, 002, 004). */
class AccountManagementTest {

    private static final String ADMIN_PASSWORD = "an admin passphrase for tests";
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        properties.put("chargebot.admin.password", ADMIN_PASSWORD);
        t = new AuthTestClient(properties);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static UserServiceGrpc.UserServiceBlockingStub as(AuthTokens tokens) {
        return withToken(t.users, tokens.getAccessToken());
    }

    @Test
    void profileUpdatesOnlyTheMaskedFields() {
        AuthTokens tokens = t.signUp("profile-owner", "the right passphrase");
        User before = as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build());
        User after = as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/me").setDisplayName("김철수").setOrganizationCode("IGNORED")
                        .setLanguageCode("en").addDisabledNotificationTypes(NotificationType.NOTIFICATION_TYPE_CAR_ADDED))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name").addPaths("language_code")
                        .addPaths("disabled_notification_types"))
                .build());
        assertThat(after.getDisplayName()).isEqualTo("김철수");
        assertThat(after.getLanguageCode()).isEqualTo("en");
        assertThat(after.getOrganizationCode()).isEqualTo(before.getOrganizationCode());
        assertThat(after.getDisabledNotificationTypesList()).containsExactly(NotificationType.NOTIFICATION_TYPE_CAR_ADDED);
        assertThat(after.getPhone()).isEqualTo(before.getPhone());

        assertInvalid(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me"))
                .build()), "update_mask");
        assertInvalid(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName("users/me"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("role")).build()), "update_mask");
        assertInvalid(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/me").setDisplayName("x".repeat(101)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build()), "user.display_name");
        assertInvalid(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/nobody")).setUpdateMask(FieldMask.newBuilder().addPaths("display_name"))
                .build()), "user.name");
    }

    @Test
    void changingThePhoneNeedsAProofForTheNewNumber() {
        AuthTokens tokens = t.signUp("phone-changer", "the right passphrase");
        String newPhone = AuthTestClient.newPhone();
        assertInvalid(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/me").setPhone(newPhone))
                .setUpdateMask(FieldMask.newBuilder().addPaths("phone")).build()), "phone_verification_proof");
        String signUpProof = t.smsProof(newPhone, VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP);
        assertFails(() -> as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/me").setPhone(newPhone)).setPhoneVerificationProof(signUpProof)
                .setUpdateMask(FieldMask.newBuilder().addPaths("phone")).build()), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        String proof = t.smsProofAs(tokens.getAccessToken(), newPhone, VerificationPurpose.VERIFICATION_PURPOSE_CHANGE_PHONE);
        User updated = as(tokens).updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName("users/me").setPhone(newPhone)).setPhoneVerificationProof(proof)
                .setUpdateMask(FieldMask.newBuilder().addPaths("phone")).build());
        assertThat(updated.getPhone()).isEqualTo(AuthTestClient.e164(newPhone));
    }

    @Test
    void changingThePasswordRevokesTheOtherSessions() {
        AuthTokens here = t.signUp("pw-changer", "the first passphrase");
        AuthTokens elsewhere = t.signIn("pw-changer", "the first passphrase");
        assertFails(() -> as(here).changePassword(ChangePasswordRequest.newBuilder().setName("users/me")
                .setCurrentPassword("not it").setNewPassword("the second passphrase").build()), Status.Code.PERMISSION_DENIED, "SIGN_IN_FAILED");
        assertFails(() -> as(here).changePassword(ChangePasswordRequest.newBuilder().setName("users/me")
                .setCurrentPassword("the first passphrase").setNewPassword("password").build()), Status.Code.INVALID_ARGUMENT, "PASSWORD_POLICY");
        as(here).changePassword(ChangePasswordRequest.newBuilder().setName("users/me")
                .setCurrentPassword("the first passphrase").setNewPassword("the second passphrase").build());
        assertThat(as(here).getUser(GetUserRequest.newBuilder().setName("users/me").build())).isNotNull();
        assertFails(() -> as(elsewhere).getUser(GetUserRequest.newBuilder().setName("users/me").build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> t.signIn("pw-changer", "the first passphrase"), Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        assertThat(t.signIn("pw-changer", "the second passphrase").getAccessToken()).isNotEmpty();
    }

    @Test
    void deletingAnAccountErasesPersonalDataAndFreesTheIdentifiers() {
        String phone = AuthTestClient.newPhone();
        AuthTokens tokens = t.auth.signUp(t.signUpRequest("leaving-user", "the right passphrase", phone).build()).getTokens();
        String name = as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName();
        as(tokens).registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me").setDevice(Device.newBuilder()
                .setFcmToken("fcm-token-leaving").setPlatform(DevicePlatform.DEVICE_PLATFORM_ANDROID)).build());
        assertFails(() -> as(tokens).deleteUser(DeleteUserRequest.newBuilder().setName("users/me").setPassword("wrong").build()),
                Status.Code.PERMISSION_DENIED, "SIGN_IN_FAILED");
        as(tokens).deleteUser(DeleteUserRequest.newBuilder().setName("users/me").setPassword("the right passphrase").build());

        assertFails(() -> as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertFails(() -> t.auth.refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(tokens.getRefreshToken()).build()),
                Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        String id = name.substring("users/".length());
        assertThat(t.queryInt("SELECT count(*) FROM users WHERE id = '" + id + "' AND phone IS NULL AND email IS NULL "
                + "AND password_hash IS NULL AND display_name = '' AND deleted_at IS NOT NULL AND login_id LIKE 'deleted-%'")).isEqualTo(1);
        assertThat(t.queryInt("SELECT count(*) FROM devices WHERE user_id = '" + id + "'")).isZero();
        assertThat(t.queryInt("SELECT count(*) FROM audit_log WHERE action = 'user.delete' AND actor = '" + id + "'")).isEqualTo(1);
        // The login id and phone can be used again.
        t.auth.signUp(t.signUpRequest("leaving-user", "the right passphrase", phone).build());
    }

    @Test
    void socialSignUpWithAnEmailProofThenSocialSignIn() {
        String phone = AuthTestClient.newPhone();
        String email = "social.user@example.com";
        t.auth.sendVerificationCode(io.chargebot.auth.v1.SendVerificationCodeRequest.newBuilder()
                .setChannel(io.chargebot.auth.v1.VerificationChannel.VERIFICATION_CHANNEL_EMAIL)
                .setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP).setTarget("Social.User@Example.com").build());
        String emailProof = t.auth.verifyCode(io.chargebot.auth.v1.VerifyCodeRequest.newBuilder()
                .setChannel(io.chargebot.auth.v1.VerificationChannel.VERIFICATION_CHANNEL_EMAIL)
                .setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP).setTarget(email)
                .setCode(t.lastCode(email)).build()).getVerificationProof();
        io.chargebot.auth.v1.SocialCredential kakao = io.chargebot.auth.v1.SocialCredential.newBuilder()
                .setProvider(io.chargebot.user.v1.JoinPath.JOIN_PATH_KAKAO).setAccessToken("local-kakao-4242").setSnsId("4242").build();
        User created = t.auth.signUp(t.signUpRequest("kakao-user", "the right passphrase", phone)
                .setEmail(email).setEmailVerificationProof(emailProof).setSocial(kakao).build()).getUser();
        assertThat(created.getJoinPath()).isEqualTo(io.chargebot.user.v1.JoinPath.JOIN_PATH_KAKAO);
        assertThat(created.getEmail()).isEqualTo(email);

        io.chargebot.auth.v1.SignInResponse signedIn = t.auth.signIn(io.chargebot.auth.v1.SignInRequest.newBuilder()
                .setSocial(kakao.toBuilder().clearSnsId()).build());
        assertThat(signedIn.getUser().getName()).isEqualTo(created.getName());
        // A token of another Kakao account, a garbage token, and a mismatching sns_id are refused.
        assertFails(() -> t.auth.signIn(io.chargebot.auth.v1.SignInRequest.newBuilder()
                .setSocial(kakao.toBuilder().setAccessToken("local-kakao-9999").clearSnsId()).build()),
                Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        assertFails(() -> t.auth.signIn(io.chargebot.auth.v1.SignInRequest.newBuilder()
                .setSocial(kakao.toBuilder().setAccessToken("not-a-kakao-token").clearSnsId()).build()),
                Status.Code.UNAUTHENTICATED, "VERIFICATION_FAILED");
        assertFails(() -> t.auth.signIn(io.chargebot.auth.v1.SignInRequest.newBuilder()
                .setSocial(kakao.toBuilder().setSnsId("1")).build()), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        // The e-mail is now taken for sign-up.
        assertFails(() -> t.auth.sendVerificationCode(io.chargebot.auth.v1.SendVerificationCodeRequest.newBuilder()
                .setChannel(io.chargebot.auth.v1.VerificationChannel.VERIFICATION_CHANNEL_EMAIL)
                .setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP).setTarget(email).build()),
                Status.Code.ALREADY_EXISTS, "EMAIL_TAKEN");
    }

    @Test
    void deletingAnAccountCancelsItsFutureReservationsOnly() {
        AuthTokens tokens = t.signUp("has-bookings", "the right passphrase");
        String id = as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName().substring(6);
        t.queryInt("WITH lot AS (INSERT INTO parking_lots (display_name, latitude, longitude) VALUES ('L', 37.5, 127.0) RETURNING id), "
                + "spot AS (INSERT INTO spots (lot_id, floor, code) SELECT id, 'B1', 'A-01' FROM lot RETURNING id, lot_id), "
                + "car AS (INSERT INTO cars (user_id, plate, plate_normalized) VALUES ('" + id + "', '12가3456', '12가3456') RETURNING id), "
                + "r AS (INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period, status) "
                + "SELECT '" + id + "', car.id, spot.id, spot.lot_id, '12가3456', p.period, p.status FROM car, spot, "
                + "(VALUES (tstzrange(now() + interval '1 day', now() + interval '1 day 1 hour'), 'CONFIRMED'), "
                + "(tstzrange(now() - interval '2 days', now() - interval '2 days' + interval '1 hour'), 'COMPLETED')) AS p(period, status) "
                + "RETURNING 1) SELECT count(*) FROM r");
        as(tokens).deleteUser(DeleteUserRequest.newBuilder().setName("users/me").setPassword("the right passphrase").build());
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE user_id = '" + id + "' AND status = 'CANCELLED' "
                + "AND cancel_reason = 'account deleted'")).isEqualTo(1);
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE user_id = '" + id + "' AND status = 'COMPLETED'")).isEqualTo(1);
        assertThat(t.queryInt("SELECT count(*) FROM cars WHERE user_id = '" + id + "' AND deleted_at IS NULL")).isZero();
    }

    @Test
    void findLoginIdAndResetPasswordWorkWithAProof() {
        String phone = AuthTestClient.newPhone();
        AuthTokens tokens = t.auth.signUp(t.signUpRequest("forgetful.one", "the old passphrase", phone).build()).getTokens();
        String proof = t.smsProof(phone, VerificationPurpose.VERIFICATION_PURPOSE_FIND_LOGIN_ID);
        FindLoginIdResponse found = t.auth.findLoginId(FindLoginIdRequest.newBuilder().setVerificationProof(proof).build());
        assertThat(found.getMaskedLoginId()).isEqualTo("fo*********ne");
        assertFails(() -> t.auth.findLoginId(FindLoginIdRequest.newBuilder().setVerificationProof(proof).build()),
                Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");

        String resetProof = t.smsProof(phone, VerificationPurpose.VERIFICATION_PURPOSE_RESET_PASSWORD);
        assertFails(() -> t.auth.resetPassword(ResetPasswordRequest.newBuilder().setVerificationProof(proof)
                .setNewPassword("a brand new passphrase").build()), Status.Code.FAILED_PRECONDITION, "VERIFICATION_FAILED");
        t.auth.resetPassword(ResetPasswordRequest.newBuilder().setVerificationProof(resetProof)
                .setNewPassword("a brand new passphrase").build());
        assertFails(() -> as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build()),
                Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertThat(t.signIn("forgetful.one", "a brand new passphrase").getAccessToken()).isNotEmpty();
        assertInvalid(() -> t.auth.findLoginId(FindLoginIdRequest.getDefaultInstance()), "verification_proof");
    }

    @Test
    void aDriversLicenceIsVerifiedAndOnlyAMaskedNumberIsKept() {
        AuthTokens tokens = t.signUp("licensed-driver", "the right passphrase");
        DriverLicense licence = as(tokens).registerDriverLicense(RegisterDriverLicenseRequest.newBuilder()
                .setName("users/me/driverLicense").setBirthDate(Date.newBuilder().setYear(1999).setMonth(8).setDay(23))
                .setHolderName("홍길동").setLicenseNumber("11-23-456789-01").setSerialNumber("AB12CD").build());
        assertThat(licence.getVerified()).isTrue();
        assertThat(licence.getResultCode()).isEqualTo("00");
        assertThat(licence.getMaskedLicenseNumber()).doesNotContain("456789").startsWith("11-23-");
        assertThat(t.queryInt("SELECT count(*) FROM driver_licenses WHERE number_masked LIKE '%456789%'")).isZero();
        assertThat(as(tokens).getUser(GetUserRequest.newBuilder().setName("users/me").build()).getDriverLicenseVerified()).isTrue();
        assertThat(as(tokens).getDriverLicense(GetDriverLicenseRequest.newBuilder().setName("users/me/driverLicense").build()))
                .isEqualTo(licence);

        RegisterDriverLicenseRequest bad = RegisterDriverLicenseRequest.newBuilder().setName("users/me/driverLicense")
                .setBirthDate(Date.newBuilder().setYear(2030).setMonth(2).setDay(30)).setHolderName("")
                .setLicenseNumber("12345").setSerialNumber("!").build();
        var e = AuthTestClient.failure(() -> as(tokens).registerDriverLicense(bad));
        assertThat(AuthTestClient.fields(e)).contains("birth_date", "holder_name", "license_number", "serial_number");
    }

    @Test
    void devicesAreRegisteredAndUnregistered() {
        AuthTokens tokens = t.signUp("device-owner", "the right passphrase");
        Device device = as(tokens).registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me").setDevice(Device.newBuilder()
                .setFcmToken("fcm-token-1").setPlatform(DevicePlatform.DEVICE_PLATFORM_ANDROID).setAppVersion("1.2.3")).build());
        assertThat(device.getName()).matches("users/[0-9a-f-]{36}/devices/[0-9a-f-]{36}");
        // Registering the same token again updates it in place.
        Device again = as(tokens).registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me").setDevice(Device.newBuilder()
                .setFcmToken("fcm-token-1").setPlatform(DevicePlatform.DEVICE_PLATFORM_ANDROID).setAppVersion("1.2.4")).build());
        assertThat(again.getName()).isEqualTo(device.getName());
        assertInvalid(() -> as(tokens).registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me")
                .setDevice(Device.newBuilder().setFcmToken("")).build()), "device.fcm_token");
        as(tokens).unregisterDevice(UnregisterDeviceRequest.newBuilder().setName(device.getName()).build());
        assertFails(() -> as(tokens).unregisterDevice(UnregisterDeviceRequest.newBuilder().setName(device.getName()).build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
    }

    @Test
    void everyUserServiceRpcRefusesBadInputAndTheWrongRole() {
        AuthTokens user = t.signUp("bad-input-user", "the right passphrase");
        AuthTokens admin = t.signIn("admin", ADMIN_PASSWORD);
        UserServiceGrpc.UserServiceBlockingStub u = as(user);
        UserServiceGrpc.UserServiceBlockingStub a = as(admin);
        assertInvalid(() -> u.getUser(GetUserRequest.newBuilder().setName("users/not-a-uuid").build()), "name");
        assertInvalid(() -> u.getUser(GetUserRequest.newBuilder().setName("").build()), "name");
        assertInvalid(() -> u.changePassword(ChangePasswordRequest.newBuilder().setName("users/me")
                .setNewPassword("a new passphrase").build()), "current_password");
        assertInvalid(() -> u.deleteUser(DeleteUserRequest.newBuilder().setName("users/me").build()), "password");
        assertInvalid(() -> u.getDriverLicense(GetDriverLicenseRequest.newBuilder().setName("users/me").build()), "name");
        assertFails(() -> u.getDriverLicense(GetDriverLicenseRequest.newBuilder().setName("users/me/driverLicense").build()),
                Status.Code.NOT_FOUND, "RESOURCE_NOT_FOUND");
        assertInvalid(() -> u.unregisterDevice(UnregisterDeviceRequest.newBuilder().setName("users/me/phones/1").build()), "name");
        assertInvalid(() -> u.unregisterDevice(UnregisterDeviceRequest.newBuilder().setName("users/me/devices/x").build()), "name");
        assertInvalid(() -> u.registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me").setDevice(Device.newBuilder()
                .setFcmToken("x".repeat(5000)).setPlatform(DevicePlatform.DEVICE_PLATFORM_ANDROID)).build()), "device.fcm_token");
        assertInvalid(() -> u.registerDevice(RegisterDeviceRequest.newBuilder().setParent("users/me").setDevice(Device.newBuilder()
                .setFcmToken("token")).build()), "device.platform");
        assertInvalid(() -> u.listNotifications(io.chargebot.user.v1.ListNotificationsRequest.newBuilder().setParent("users/me")
                .setPageSize(-1).build()), "page_size");
        assertInvalid(() -> u.listNotifications(io.chargebot.user.v1.ListNotificationsRequest.newBuilder().setParent("users/me")
                .setPageToken("forged").build()), "page_token");
        assertInvalid(() -> a.listUsers(io.chargebot.user.v1.ListUsersRequest.newBuilder().setPageSize(201).build()), "page_size");
        assertInvalid(() -> a.listUsers(io.chargebot.user.v1.ListUsersRequest.newBuilder().setQuery("q".repeat(101)).build()), "query");
        assertInvalid(() -> a.listUsers(io.chargebot.user.v1.ListUsersRequest.newBuilder().setRole(Role.ROLE_SERVICE).build()), "role");
        assertInvalid(() -> a.listAdmins(ListAdminsRequest.newBuilder().setPageToken("A".repeat(600)).build()), "page_token");
        String self = a.getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName();
        assertInvalid(() -> a.updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(self)).build()), "update_mask");
        assertInvalid(() -> a.updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(self).setRole(Role.ROLE_SERVICE))
                .setUpdateMask(FieldMask.newBuilder().addPaths("role")).build()), "user.role");
        assertInvalid(() -> a.updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(self))
                .setUpdateMask(FieldMask.newBuilder().addPaths("login_id")).build()), "update_mask");
        assertInvalid(() -> a.deleteAdmin(DeleteAdminRequest.newBuilder().setName(self).build()), "password");
        assertInvalid(() -> a.createAdmin(CreateAdminRequest.newBuilder().setLoginId("valid-admin").setDisplayName("V")
                .setPassword("another admin passphrase").setPhone("12345").build()), "phone");
        // Every admin RPC refuses a USER, and every RPC refuses a caller without a token.
        for (Runnable adminOnly : new Runnable[] {
                () -> u.listUsers(io.chargebot.user.v1.ListUsersRequest.getDefaultInstance()),
                () -> u.listAdmins(ListAdminsRequest.getDefaultInstance()),
                () -> u.createAdmin(CreateAdminRequest.newBuilder().setLoginId("sneaky").setDisplayName("S")
                        .setPassword("another admin passphrase").build()),
                () -> u.updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName("users/me")
                        .setRole(Role.ROLE_ADMIN)).setUpdateMask(FieldMask.newBuilder().addPaths("role")).build()),
                () -> u.deleteAdmin(DeleteAdminRequest.newBuilder().setName(self).setPassword("x").build())}) {
            assertFails(adminOnly, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        }
        for (Runnable anonymous : new Runnable[] {
                () -> t.users.getDriverLicense(GetDriverLicenseRequest.newBuilder().setName("users/me/driverLicense").build()),
                () -> t.users.registerDevice(RegisterDeviceRequest.getDefaultInstance()),
                () -> t.users.changePassword(ChangePasswordRequest.getDefaultInstance()),
                () -> t.users.listAdmins(ListAdminsRequest.getDefaultInstance())}) {
            assertFails(anonymous, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        }
    }

    @Test
    void adminsManageAdminAccounts() {
        AuthTokens admin = t.signIn("admin", ADMIN_PASSWORD);
        User second = as(admin).createAdmin(CreateAdminRequest.newBuilder().setLoginId("second-admin")
                .setDisplayName("Second").setPassword("another admin passphrase").build());
        assertThat(second.getRole()).isEqualTo(Role.ROLE_ADMIN);
        assertFails(() -> as(admin).createAdmin(CreateAdminRequest.newBuilder().setLoginId("SECOND-ADMIN")
                .setDisplayName("Dup").setPassword("another admin passphrase").build()), Status.Code.ALREADY_EXISTS, "LOGIN_ID_TAKEN");
        assertThat(as(admin).listAdmins(ListAdminsRequest.getDefaultInstance()).getAdminsList())
                .extracting(User::getLoginId).contains("admin", "second-admin");

        AuthTokens secondTokens = t.signIn("second-admin", "another admin passphrase");
        User renamed = as(admin).updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(second.getName())
                .setDisplayName("Renamed")).setUpdateMask(FieldMask.newBuilder().addPaths("display_name")).build());
        assertThat(renamed.getDisplayName()).isEqualTo("Renamed");
        // Demoting revokes the demoted admin's sessions.
        as(admin).updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(second.getName())
                .setRole(Role.ROLE_USER)).setUpdateMask(FieldMask.newBuilder().addPaths("role")).build());
        assertFails(() -> as(secondTokens).listAdmins(ListAdminsRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        AuthTokens demoted = t.signIn("second-admin", "another admin passphrase");
        assertFails(() -> as(demoted).listAdmins(ListAdminsRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");

        as(admin).updateAdmin(UpdateAdminRequest.newBuilder().setUser(User.newBuilder().setName(second.getName())
                .setRole(Role.ROLE_ADMIN)).setUpdateMask(FieldMask.newBuilder().addPaths("role")).build());
        assertFails(() -> as(admin).deleteAdmin(DeleteAdminRequest.newBuilder().setName(second.getName()).setPassword("wrong").build()),
                Status.Code.PERMISSION_DENIED, "SIGN_IN_FAILED");
        as(admin).deleteAdmin(DeleteAdminRequest.newBuilder().setName(second.getName()).setPassword(ADMIN_PASSWORD).build());
        // The last admin stays.
        String self = as(admin).getUser(GetUserRequest.newBuilder().setName("users/me").build()).getName();
        assertFails(() -> as(admin).deleteAdmin(DeleteAdminRequest.newBuilder().setName(self).setPassword(ADMIN_PASSWORD).build()),
                Status.Code.FAILED_PRECONDITION, "FAILED_PRECONDITION");
        assertInvalid(() -> as(admin).createAdmin(CreateAdminRequest.newBuilder().setLoginId("x").setDisplayName("")
                .setPassword("another admin passphrase").build()), "login_id");
    }
}
