package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.user.v1.User;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sign-up, sign-out and sign-in against the real platform, the SMS code read from the development
 * outbox ({@code dev_outbox_messages}) that the platform's local SMS adapter writes to PostgreSQL.
 */
class AuthEndToEndTest {

    private static final VerificationChannel SMS = VerificationChannel.VERIFICATION_CHANNEL_SMS;
    private static final VerificationPurpose SIGN_UP = VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP;
    private static final long CODE_WAIT_MILLIS = 15_000;
    private static final SecureRandom RANDOM = new SecureRandom();

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
        String digits = randomDigits(8);
        String phone = "010" + digits;
        SendVerificationCodeResponse sent = client.auth().sendVerificationCode(SMS, SIGN_UP, phone);
        String code = newestCode("+8210" + digits, sent.getCodeLength() > 0 ? sent.getCodeLength() : 6);
        return client.auth().verifyCode(SMS, SIGN_UP, phone, code);
    }

    /** The code of the newest SMS to a recipient in the development outbox, waiting for it a little. */
    private static String newestCode(String recipient, int length) throws Exception {
        Pattern codePattern = Pattern.compile("(?<![0-9])([0-9]{" + length + "})(?![0-9])");
        long deadline = System.currentTimeMillis() + CODE_WAIT_MILLIS;
        String body = null;
        try (Connection db = connect();
             PreparedStatement query = db.prepareStatement("SELECT body FROM dev_outbox_messages"
                     + " WHERE channel = 'SMS' AND recipient = ? ORDER BY created_at DESC, id DESC LIMIT 1")) {
            query.setString(1, recipient);
            while (System.currentTimeMillis() < deadline) {
                try (ResultSet row = query.executeQuery()) {
                    if (row.next()) {
                        body = row.getString(1);
                        Matcher m = codePattern.matcher(body);
                        if (m.find()) {
                            return m.group(1);
                        }
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("No SMS with a " + length + "-digit code to " + recipient
                + " in dev_outbox_messages (newest body: " + body + ")");
    }

    /** The platform's database: DATABASE_URL if the platform was given one, else its embedded PostgreSQL. */
    private static Connection connect() throws SQLException {
        String url = platform.postgresUrl();
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        String env = System.getenv("DATABASE_URL");
        if (env != null && !env.isBlank()) {
            env = env.trim();
            if (env.startsWith("jdbc:")) {
                url = env;
            } else {
                URI uri = URI.create(env);
                if (uri.getRawUserInfo() != null) {
                    String[] parts = uri.getRawUserInfo().split(":", 2);
                    props.setProperty("user", URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                    if (parts.length == 2) {
                        props.setProperty("password", URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
                    }
                }
                String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
                url = "jdbc:postgresql://" + (uri.getHost() == null ? "localhost" : uri.getHost()) + ':'
                        + (uri.getPort() == -1 ? 5432 : uri.getPort()) + path
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            }
            if (System.getenv("DATABASE_USER") != null) {
                props.setProperty("user", System.getenv("DATABASE_USER"));
            }
            if (System.getenv("DATABASE_PASSWORD") != null) {
                props.setProperty("password", System.getenv("DATABASE_PASSWORD"));
            }
        }
        assertThat(url).as("the READY line names the platform's PostgreSQL").isNotNull();
        return DriverManager.getConnection(url, props);
    }

    private static String otherCode(String code) {
        char first = code.charAt(0);
        return (first == '9' ? '0' : (char) (first + 1)) + code.substring(1);
    }

    private static String randomDigits(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + RANDOM.nextInt(10)));
        }
        return sb.toString();
    }
}
