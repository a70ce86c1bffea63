package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.user.v1.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sign-up, sign-out and sign-in against the real platform, the SMS code read from the development
 * outbox ({@code dev_outbox_messages}) that the platform's local SMS adapter writes to PostgreSQL
 * (see {@link DevOutbox}).
 */
class AuthEndToEndTest {

    private static final VerificationChannel SMS = DevOutbox.SMS;
    private static final VerificationPurpose SIGN_UP = DevOutbox.SIGN_UP;

    private static PlatformProcess platform;
    private static ChargeBotClient client;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = PlatformProcess.start();
        client = platform.clientBuilder("AuthEndToEndTest").build();
    }

    @AfterAll
    static void stopPlatform() {
        if (client != null) {
            client.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void signUpWithAnSmsCodeThenSignOutAndSignInAgain() throws Exception {
        String digits = randomDigits(8);
        String phone = "010-" + digits.substring(0, 4) + "-" + digits.substring(4);
        String e164 = "+8210" + digits;
        String loginId = "sdk_e2e_" + randomDigits(10);
        String password = "sdk end-to-end " + randomDigits(12);

        assertThat(client.auth().checkLoginId(loginId)).isTrue();

        SendVerificationCodeResponse sent = client.auth().sendVerificationCode(SMS, SIGN_UP, phone);
        assertThat(sent.getNormalizedTarget()).isEqualTo(e164);
        assertThat(sent.getExpiresInSeconds()).isPositive();
        String code = newestCode(e164, sent.getCodeLength() > 0 ? sent.getCodeLength() : 6);

        VerificationFailedException wrong = catchThrowableOfType(VerificationFailedException.class,
                () -> client.auth().verifyCode(SMS, SIGN_UP, phone, otherCode(code)));
        assertThat(wrong).as("a wrong code is VERIFICATION_FAILED").isNotNull();
        assertThat(wrong.reason()).isEqualTo(ErrorReason.VERIFICATION_FAILED);

        VerificationProof proof = client.auth().verifyCode(SMS, SIGN_UP, phone, code);
        User created = client.auth().signUp("SDK End-to-End", loginId, password, proof);

        assertThat(created.getName()).startsWith("users/");
        assertThat(created.getLoginId()).isEqualToIgnoringCase(loginId);
        assertThat(client.auth().isSignedIn()).isTrue();
        assertThat(client.tokenStore().get().hasRefreshToken()).isTrue();
        User me = client.users().getMe();
        assertThat(me.getName()).isEqualTo(created.getName());
        assertThat(me.getPhone()).isEqualTo(e164);
        assertThat(client.auth().checkLoginId(loginId.toUpperCase())).as("login ids are case-insensitive").isFalse();

        client.auth().signOut();
        assertThat(client.auth().isSignedIn()).isFalse();
        assertThatThrownBy(() -> client.users().getMe()).isInstanceOf(UnauthenticatedException.class);

        User again = client.auth().signIn(loginId.toUpperCase(), password);
        assertThat(again.getName()).isEqualTo(created.getName());
        assertThat(client.users().getMe().getName()).isEqualTo(created.getName());

        try (ChargeBotClient stranger = platform.clientBuilder("AuthEndToEndTest-bad-password").build()) {
            SignInFailedException e = catchThrowableOfType(SignInFailedException.class,
                    () -> stranger.auth().signIn(loginId, password + "!"));
            assertThat(e).as("a wrong password is SIGN_IN_FAILED").isNotNull();
            assertThat(e.reason()).isEqualTo(ErrorReason.SIGN_IN_FAILED);
            assertThat(stranger.auth().isSignedIn()).isFalse();
        }
        assertThat(client.users().getMe().getName()).as("the good session is untouched").isEqualTo(created.getName());
    }

    @Test
    void aTakenLoginIdIsLoginIdTaken() throws Exception {
        String loginId = "sdk_dup_" + randomDigits(10);
        String password = "sdk duplicate " + randomDigits(12);
        try (ChargeBotClient first = platform.clientBuilder("AuthEndToEndTest-dup-1").build();
             ChargeBotClient second = platform.clientBuilder("AuthEndToEndTest-dup-2").build()) {
            first.auth().signUp("First", loginId, password, verifiedPhone(first));

            VerificationProof otherPhone = verifiedPhone(second);
            LoginIdTakenException e = catchThrowableOfType(LoginIdTakenException.class,
                    () -> second.auth().signUp("Second", loginId.toUpperCase(), password, otherPhone));

            assertThat(e).as("the same login id in another case is LOGIN_ID_TAKEN").isNotNull();
            assertThat(e.reason()).isEqualTo(ErrorReason.LOGIN_ID_TAKEN);
            assertThat(second.auth().isSignedIn()).isFalse();
        }
    }

    private static VerificationProof verifiedPhone(ChargeBotClient client) throws Exception {
        return DevOutbox.verifiedPhone(platform, client);
    }

    private static String newestCode(String recipient, int length) throws Exception {
        return DevOutbox.newestCode(platform, recipient, length);
    }

    private static String otherCode(String code) {
        char first = code.charAt(0);
        return (first == '9' ? '0' : (char) (first + 1)) + code.substring(1);
    }

    private static String randomDigits(int n) {
        return DevOutbox.randomDigits(n);
    }
}
