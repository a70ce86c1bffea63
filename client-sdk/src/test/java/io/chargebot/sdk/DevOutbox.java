package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.auth.v1.SendVerificationCodeResponse;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
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

/**
 * Verification codes of a running platform, read from the development outbox
 * ({@code dev_outbox_messages}) that its local SMS adapter writes to PostgreSQL; and accounts signed
 * up with them, for end-to-end tests.
 */
final class DevOutbox {

    static final VerificationChannel SMS = VerificationChannel.VERIFICATION_CHANNEL_SMS;
    static final VerificationPurpose SIGN_UP = VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP;
    private static final long CODE_WAIT_MILLIS = 15_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevOutbox() {}

    /** Signs a new account up on {@code client} (which is then signed in as it). */
    static User signUp(PlatformProcess platform, ChargeBotClient client, String displayName) throws Exception {
        String loginId = "sdk_" + randomDigits(12);
        return client.auth().signUp(displayName, loginId, "sdk end-to-end " + randomDigits(12),
                verifiedPhone(platform, client));
    }

    /** A SIGN_UP proof for a new random phone number, its code read from the outbox. */
    static VerificationProof verifiedPhone(PlatformProcess platform, ChargeBotClient client) throws Exception {
        String digits = randomDigits(8);
        String phone = "010" + digits;
        SendVerificationCodeResponse sent = client.auth().sendVerificationCode(SMS, SIGN_UP, phone);
        String code = newestCode(platform, "+8210" + digits, sent.getCodeLength() > 0 ? sent.getCodeLength() : 6);
        return client.auth().verifyCode(SMS, SIGN_UP, phone, code);
    }

    /** The code of the newest SMS to a recipient in the development outbox, waiting for it a little. */
    static String newestCode(PlatformProcess platform, String recipient, int length) throws Exception {
        Pattern codePattern = Pattern.compile("(?<![0-9])([0-9]{" + length + "})(?![0-9])");
        long deadline = System.currentTimeMillis() + CODE_WAIT_MILLIS;
        String body = null;
        try (Connection db = connect(platform);
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
    static Connection connect(PlatformProcess platform) throws SQLException {
        String url = platform.postgresUrl();
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        String env = platform.usesEnvironmentDatabase() ? System.getenv("DATABASE_URL") : null;
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

    static String randomDigits(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + RANDOM.nextInt(10)));
        }
        return sb.toString();
    }
}
