package io.chargebot.server.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.testing.IsolatedContext;
import io.chargebot.server.testing.TestServers;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourcePropertyResolver;
import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which push adapter configuration selects, and that production refuses to start without FCM credentials. */
class PushSelectionTest {

    private static PushFactory.Selection select(String profile, Map<String, Object> env) {
        return PushFactory.select(new PropertySourcePropertyResolver(
                PropertySource.of("env", env, PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE)), new RuntimeProfile(profile));
    }

    private static String failure(String profile, Map<String, Object> env) {
        try {
            select(profile, env);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a configuration error");
    }

    /** A service-account key file as the Google console issues it, with a fresh RSA key. */
    private static String serviceAccountJson() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\\n-----END PRIVATE KEY-----\\n";
        return "{\"type\":\"service_account\",\"project_id\":\"chargebot-prod\",\"private_key_id\":\"k1\","
                + "\"private_key\":\"" + pem + "\",\"client_email\":\"push@chargebot-prod.iam.gserviceaccount.com\","
                + "\"client_id\":\"1\",\"token_uri\":\"https://oauth2.googleapis.com/token\"}";
    }

    @Test
    void productionWithoutFirebaseCredentialsRefusesToStart() {
        assertThat(failure("production", Map.of()))
                .contains("Push sender").contains("CHARGEBOT_PROFILE=production").contains("CHARGEBOT_PUSH_PROVIDER=fcm");
        assertThat(failure("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm")))
                .contains("no service-account credentials")
                .contains("CHARGEBOT_PUSH_FCM_CREDENTIALS_FILE").contains("CHARGEBOT_PUSH_FCM_CREDENTIALS_JSON");
    }

    @Test
    void locallyNothingConfiguredMeansTheLocalAdapter() {
        assertThat(select("local", Map.of()).fcm()).isNull();
        assertThat(failure("local", Map.of("CHARGEBOT_PUSH_PROVIDER", "apns")))
                .contains("CHARGEBOT_PUSH_PROVIDER): apns (expected: fcm or local)");
    }

    @Test
    void credentialsComeFromAFileOrTheEnvironmentAndNameTheProject(@TempDir Path dir) throws Exception {
        String json = serviceAccountJson();
        Path file = Files.writeString(dir.resolve("service-account.json"), json);
        PushFactory.Fcm fromFile = select("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm",
                "CHARGEBOT_PUSH_FCM_CREDENTIALS_FILE", file.toString())).fcm();
        assertThat(fromFile.projectId()).isEqualTo("chargebot-prod");
        assertThat(fromFile.baseUrl()).isEqualTo(FirebasePushSender.FCM);
        PushFactory.Fcm fromEnv = select("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm",
                "CHARGEBOT_PUSH_FCM_CREDENTIALS_JSON", json, "CHARGEBOT_PUSH_FCM_PROJECT_ID", "chargebot-stage")).fcm();
        assertThat(fromEnv.projectId()).isEqualTo("chargebot-stage");
        assertThat(fromEnv.toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void unusableCredentialsAreNamedButNeverPrinted(@TempDir Path dir) {
        String secret = "{\"type\":\"service_account\",\"private_key\":\"s3cret-not-a-key\"}";
        assertThat(failure("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm", "CHARGEBOT_PUSH_FCM_CREDENTIALS_JSON", secret)))
                .contains("CHARGEBOT_PUSH_FCM_CREDENTIALS_JSON").doesNotContain("s3cret");
        assertThat(failure("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm",
                "CHARGEBOT_PUSH_FCM_CREDENTIALS_FILE", dir.resolve("missing.json").toString())))
                .contains("does not exist");
    }

    @Test
    void aPlainHttpStandInIsRefusedInProduction() throws Exception {
        assertThat(failure("production", Map.of("CHARGEBOT_PUSH_PROVIDER", "fcm",
                "CHARGEBOT_PUSH_FCM_CREDENTIALS_JSON", serviceAccountJson(),
                "CHARGEBOT_PUSH_FCM_BASE_URL", "http://127.0.0.1:9999")))
                .contains("CHARGEBOT_PUSH_FCM_BASE_URL").contains("https");
    }

    @Test
    void theFullServerRefusesFcmWithoutCredentials() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("chargebot.push.provider", "fcm");
        Throwable failure = null;
        try (ChargeBotServer ignored = TestServers.start(properties)) {
            // started
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(IsolatedContext.messages(failure)).contains("CHARGEBOT_PUSH_FCM_CREDENTIALS_FILE");
    }
}
