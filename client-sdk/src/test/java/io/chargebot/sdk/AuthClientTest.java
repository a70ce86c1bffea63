package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.type.Date;
import io.chargebot.auth.v1.CheckLoginIdRequest;
import io.chargebot.auth.v1.FindLoginIdRequest;
import io.chargebot.auth.v1.ResetPasswordRequest;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignOutRequest;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.user.v1.ChangePasswordRequest;
import io.chargebot.user.v1.DeleteUserRequest;
import io.chargebot.user.v1.Device;
import io.chargebot.user.v1.DevicePlatform;
import io.chargebot.user.v1.DriverLicense;
import io.chargebot.user.v1.JoinPath;
import io.chargebot.user.v1.ListNotificationsRequest;
import io.chargebot.user.v1.ListNotificationsResponse;
import io.chargebot.user.v1.Notification;
import io.chargebot.user.v1.NotificationState;
import io.chargebot.user.v1.RegisterDriverLicenseRequest;
import io.chargebot.user.v1.UnregisterDeviceRequest;
import io.chargebot.user.v1.UpdateUserRequest;
import io.chargebot.user.v1.User;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The friendly auth and user API: what it sends, and how it keeps the token store. */
@Timeout(30)
class AuthClientTest {

    private static final VerificationChannel SMS = VerificationChannel.VERIFICATION_CHANNEL_SMS;
    private static final VerificationPurpose SIGN_UP = VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP;

    private final FakeAuthService auth = new FakeAuthService();
    private final FakeUserService users = new FakeUserService().accept("access-1");
    private final InProcessFixture fixture = new InProcessFixture(auth, users);
    private final InMemoryTokenStore store = new InMemoryTokenStore();
    private final ChargeBotClient client = fixture.track(fixture.clientBuilder().tokenStore(store).build());

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void signUpFlowSendsVerifiesSignsUpAndStoresTheTokens() {
        SendVerificationCodeResponse sent = client.auth().sendVerificationCode(SMS, SIGN_UP, "010-1234-5678");
        VerificationProof proof = client.auth().verifyCode(SMS, SIGN_UP, "010-1234-5678", "123456");
        User me = client.auth().signUp("Kim Minji", "minji", "a long passphrase", proof);

        assertThat(sent.getResendAfterSeconds()).isEqualTo(60);
        assertThat(sent.getNormalizedTarget()).isEqualTo("+821012345678");
        assertThat(proof.proof()).isEqualTo("proof-for-010-1234-5678");
        assertThat(proof.target()).isEqualTo("010-1234-5678");
        assertThat(proof.purpose()).isEqualTo(SIGN_UP);
        assertThat(proof.expireTimeMillis()).isEqualTo(2_000_000_000_000L);
        assertThat(proof.toString()).doesNotContain("proof-for");
        assertThat(me.getLoginId()).isEqualTo("minji");
        assertThat(auth.requests.get(0)).isEqualTo(SendVerificationCodeRequest.newBuilder()
                .setChannel(SMS).setPurpose(SIGN_UP).setTarget("010-1234-5678").build());
        assertThat(auth.requests.get(1)).isEqualTo(VerifyCodeRequest.newBuilder()
                .setChannel(SMS).setPurpose(SIGN_UP).setTarget("010-1234-5678").setCode("123456").build());
        assertThat(auth.requests.get(2)).isEqualTo(SignUpRequest.newBuilder()
                .setDisplayName("Kim Minji").setLoginId("minji").setPassword("a long passphrase")
                .setPhone("010-1234-5678").setPhoneVerificationProof("proof-for-010-1234-5678").build());
        assertThat(store.get().accessToken()).isEqualTo("access-1");
        assertThat(store.get().refreshToken()).isEqualTo("refresh-1");
        assertThat(client.auth().isSignedIn()).isTrue();

        client.users().getMe();
        assertThat(users.authorizations).containsExactly("Bearer access-1");
    }

    @Test
    void signInStoresTheTokensAndSendsNoStaleToken() {
        store.save(new Tokens("left-over", System.currentTimeMillis() + 5_000, "old-refresh", 0));

        User me = client.auth().signIn("MinJi", "a long passphrase");

        assertThat(me).isEqualTo(FakeAuthService.MINJI);
        assertThat(auth.requests).containsExactly(
                SignInRequest.newBuilder().setLoginId("MinJi").setPassword("a long passphrase").build());
        assertThat(auth.authorizations).containsExactly("");
        assertThat(auth.refreshCalls).as("sign-in never refreshes the old session").hasValue(0);
        assertThat(client.tokenStore().get().accessToken()).isEqualTo("access-1");
    }

    @Test
    void aFailedSignInKeepsTheStoreAsItWas() {
        auth.onSignIn = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        };

        assertThatThrownBy(() -> client.auth().signIn("minji", "wrong"))
                .isExactlyInstanceOf(SignInFailedException.class)
                .isInstanceOf(UnauthenticatedException.class);

        assertThat(store.get()).isNull();
        assertThat(auth.refreshCalls).hasValue(0);
    }

    @Test
    void signInWithSocialSendsTheProviderToken() {
        client.auth().signInWithSocial(JoinPath.JOIN_PATH_KAKAO, "kakao-token", "sns-7");

        SignInRequest sent = (SignInRequest) auth.requests.get(0);
        assertThat(sent.getSocial().getProvider()).isEqualTo(JoinPath.JOIN_PATH_KAKAO);
        assertThat(sent.getSocial().getAccessToken()).isEqualTo("kakao-token");
        assertThat(sent.getSocial().getSnsId()).isEqualTo("sns-7");
        assertThat(store.get()).isNotNull();
    }

    @Test
    void signOutRevokesTheSessionWithItsTokenAndClearsTheStore() {
        client.auth().signIn("minji", "a long passphrase");

        client.auth().signOut(true);

        assertThat(auth.requests.get(1)).isEqualTo(SignOutRequest.newBuilder().setAllSessions(true).build());
        assertThat(auth.authorizations.get(1)).isEqualTo("Bearer access-1");
        assertThat(store.get()).isNull();
        assertThat(client.auth().isSignedIn()).isFalse();
    }

    @Test
    void signOutClearsTheStoreEvenWhenTheServerSaysUnauthenticated() {
        client.auth().signIn("minji", "a long passphrase");
        auth.onSignOut = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        };
        auth.onRefresh = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID");
        };

        client.auth().signOut();

        assertThat(store.get()).isNull();
        assertThat(auth.signOutCalls).hasValue(1);
    }

    @Test
    void signOutClearsTheStoreAndReportsOtherFailures() {
        client.auth().signIn("minji", "a long passphrase");
        auth.onSignOut = r -> {
            throw Status.UNAVAILABLE.asRuntimeException();
        };

        assertThatThrownBy(() -> client.auth().signOut()).isInstanceOf(UnavailableException.class);
        assertThat(store.get()).isNull();
    }

    @Test
    void signOutWhenSignedOutCallsNothing() {
        client.auth().signOut();

        assertThat(auth.signOutCalls).hasValue(0);
    }

    @Test
    void checkFindAndResetSendWhatTheyAreGiven() {
        VerificationProof proof = new VerificationProof("p-1", SMS, VerificationPurpose.VERIFICATION_PURPOSE_RESET_PASSWORD,
                "01012345678", 0);

        assertThat(client.auth().checkLoginId("minji")).isTrue();
        assertThat(client.auth().findLoginId(proof).getMaskedLoginId()).isEqualTo("mi*ji");
        client.auth().resetPassword(proof, "another long passphrase");

        assertThat(auth.requests).containsExactly(
                CheckLoginIdRequest.newBuilder().setLoginId("minji").build(),
                FindLoginIdRequest.newBuilder().setVerificationProof("p-1").build(),
                ResetPasswordRequest.newBuilder().setVerificationProof("p-1")
                        .setNewPassword("another long passphrase").build());
    }

    @Test
    void updateMeSendsUsersMeAndTheMask() {
        client.auth().signIn("minji", "pw-long-enough");

        User updated = client.users().updateMe(User.newBuilder().setDisplayName("Minji K").build(),
                "display_name", "language_code");

        UpdateUserRequest sent = (UpdateUserRequest) users.requests.get(0);
        assertThat(sent.getUser().getName()).isEqualTo("users/me");
        assertThat(sent.getUpdateMask().getPathsList()).containsExactly("display_name", "language_code");
        assertThat(sent.getPhoneVerificationProof()).isEmpty();
        assertThat(updated.getDisplayName()).isEqualTo("Minji K");
        assertThatThrownBy(() -> client.users().updateMe(User.getDefaultInstance()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void changePhoneUsesTheProofsTarget() {
        client.auth().signIn("minji", "pw-long-enough");
        VerificationProof proof = new VerificationProof("p-2", SMS, VerificationPurpose.VERIFICATION_PURPOSE_CHANGE_PHONE,
                "010-9999-8888", 0);

        client.users().changePhone(proof);

        UpdateUserRequest sent = (UpdateUserRequest) users.requests.get(0);
        assertThat(sent.getUser().getPhone()).isEqualTo("010-9999-8888");
        assertThat(sent.getUpdateMask().getPathsList()).containsExactly("phone");
        assertThat(sent.getPhoneVerificationProof()).isEqualTo("p-2");
    }

    @Test
    void passwordLicenceAndDeviceCalls() {
        client.auth().signIn("minji", "pw-long-enough");
        Date birth = Date.newBuilder().setYear(1990).setMonth(5).setDay(17).build();

        client.users().changePassword("old-password", "new-long-password");
        DriverLicense license = client.users().registerDriverLicense(birth, "김민지", "12-34-567890-12", "AB12");
        client.users().getDriverLicense();
        Device device = client.users().registerDevice("fcm-1", DevicePlatform.DEVICE_PLATFORM_ANDROID, "1.4.2", null);
        client.users().unregisterDevice(device.getName());

        assertThat(users.requests.get(0)).isEqualTo(ChangePasswordRequest.newBuilder().setName("users/me")
                .setCurrentPassword("old-password").setNewPassword("new-long-password").build());
        assertThat(users.requests.get(1)).isEqualTo(RegisterDriverLicenseRequest.newBuilder()
                .setName("users/me/driverLicense").setBirthDate(birth).setHolderName("김민지")
                .setLicenseNumber("12-34-567890-12").setSerialNumber("AB12").build());
        assertThat(license.getVerified()).isTrue();
        assertThat(device.getAppVersion()).isEqualTo("1.4.2");
        assertThat(device.getDeviceModel()).isEmpty();
        assertThat(users.requests.get(4)).isEqualTo(
                UnregisterDeviceRequest.newBuilder().setName("users/42/devices/d1").build());
        assertThat(users.authorizations).containsOnly("Bearer access-1");
    }

    @Test
    void listNotificationsOfTheCallerAndOfAnotherAccount() {
        client.auth().signIn("minji", "pw-long-enough");
        users.onListNotifications = r -> ListNotificationsResponse.newBuilder()
                .addNotifications(Notification.newBuilder().setName(r.getParent() + "/notifications/n1")
                        .setState(NotificationState.NOTIFICATION_STATE_SENT))
                .setNextPageToken("next").build();

        ListNotificationsResponse mine = client.users().listNotifications(0, null);
        client.users().listNotifications("users/42", 10, "next", NotificationState.NOTIFICATION_STATE_FAILED);

        assertThat(mine.getNotifications(0).getName()).isEqualTo("users/me/notifications/n1");
        assertThat(mine.getNextPageToken()).isEqualTo("next");
        assertThat(users.requests.get(0)).isEqualTo(ListNotificationsRequest.newBuilder().setParent("users/me").build());
        assertThat(users.requests.get(1)).isEqualTo(ListNotificationsRequest.newBuilder().setParent("users/42")
                .setPageSize(10).setPageToken("next").addStates(NotificationState.NOTIFICATION_STATE_FAILED).build());
    }

    @Test
    void deleteAccountClearsTheStore() {
        client.auth().signIn("minji", "pw-long-enough");

        client.users().deleteAccount("pw-long-enough");

        assertThat(users.requests).containsExactly(
                DeleteUserRequest.newBuilder().setName("users/me").setPassword("pw-long-enough").build());
        assertThat(store.get()).isNull();
    }

    @Test
    void aWrongPasswordOnDeleteKeepsTheSession() {
        client.auth().signIn("minji", "pw-long-enough");
        users.onDeleteUser = r -> {
            throw Fakes.error(Status.Code.UNAUTHENTICATED, "SIGN_IN_FAILED");
        };

        assertThatThrownBy(() -> client.users().deleteAccount("wrong")).isInstanceOf(SignInFailedException.class);
        assertThat(store.get()).isNotNull();
    }

    @Test
    void rawStubsAreOnTheSameChannel() {
        client.auth().signIn("minji", "pw-long-enough");

        User me = client.userStub().getUser(io.chargebot.user.v1.GetUserRequest.newBuilder().setName("users/me").build());

        assertThat(me).isEqualTo(FakeAuthService.MINJI);
        assertThat(client.authStub()).isNotNull();
        assertThat(client.carStub()).isNotNull();
        assertThat(client.reservationStub()).isNotNull();
        assertThat(client.plateStub()).isNotNull();
        assertThat(client.robotStub()).isNotNull();
    }

    @Test
    void tokensNeverShowInToString() {
        Tokens tokens = new Tokens("secret-access", 1, "secret-refresh", 2);

        assertThat(tokens.toString()).doesNotContain("secret");
        assertThat(tokens).isEqualTo(new Tokens("secret-access", 1, "secret-refresh", 2));
        assertThat(new Tokens("a", 0, null, 0).hasRefreshToken()).isFalse();
    }

    @Test
    void tokenExpiryIsCountedOnTheDevicesClock() {
        // A server clock 10 minutes ahead of the device: expiry comes from expires_in, and the
        // refresh expiry is shifted by the same skew.
        long now = 1_700_000_000_000L;
        io.chargebot.auth.v1.AuthTokens reply = io.chargebot.auth.v1.AuthTokens.newBuilder()
                .setAccessToken("a").setExpiresInSeconds(900)
                .setExpireTime(com.google.protobuf.Timestamp.newBuilder().setSeconds((now + 600_000 + 900_000) / 1000))
                .setRefreshToken("r")
                .setRefreshExpireTime(com.google.protobuf.Timestamp.newBuilder().setSeconds((now + 600_000 + 86_400_000) / 1000))
                .build();

        Tokens tokens = Tokens.from(reply, now);

        assertThat(tokens.accessTokenExpireTimeMillis()).isEqualTo(now + 900_000);
        assertThat(tokens.refreshTokenExpireTimeMillis()).isEqualTo(now + 86_400_000);
        assertThat(tokens.accessTokenExpiresWithin(30_000, now + 880_000)).isTrue();
        assertThat(tokens.accessTokenExpiresWithin(30_000, now + 860_000)).isFalse();
    }
}
