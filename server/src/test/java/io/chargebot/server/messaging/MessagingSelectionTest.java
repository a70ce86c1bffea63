package io.chargebot.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.testing.TestServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourcePropertyResolver;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which senders configuration selects, and the start-ups it refuses. Most cases start a real
 * Micronaut context with only the messaging beans (so other areas' production checks don't
 * interfere), configured through environment variables the way an operator would.
 */
class MessagingSelectionTest {

    private static Map<String, Object> sensEnv() {
        return Map.of(
                "CHARGEBOT_SMS_PROVIDER", "sens",
                "CHARGEBOT_SMS_SENS_ACCESS_KEY", "ncp_iam_ACCESS",
                "CHARGEBOT_SMS_SENS_SECRET_KEY", "ncp_iam_SECRET",
                "CHARGEBOT_SMS_SENS_SERVICE_ID", "ncp:sms:kr:123456789012:chargebot",
                "CHARGEBOT_SMS_SENS_FROM", "1588-1234",
                "CHARGEBOT_SMS_SENS_REQUEST_TIMEOUT", "2s");
    }

    private static Map<String, Object> smtpEnv() {
        return Map.of(
                "CHARGEBOT_EMAIL_PROVIDER", "smtp",
                "CHARGEBOT_EMAIL_SMTP_HOST", "smtp.example.com",
                "CHARGEBOT_EMAIL_SMTP_FROM", "noreply@chargebot.io",
                "CHARGEBOT_EMAIL_SMTP_FROM_NAME", "차지봇",
                "CHARGEBOT_EMAIL_SMTP_USERNAME", "mailer",
                "CHARGEBOT_EMAIL_SMTP_PASSWORD", "s3cret-Passw0rd");
    }

    @SafeVarargs
    private static Map<String, Object> merge(Map<String, Object>... maps) {
        Map<String, Object> merged = new HashMap<>();
        for (Map<String, Object> map : maps) {
            merged.putAll(map);
        }
        return merged;
    }

    /** What an operator reads when start-up with {@code env} fails; fails the test if it starts. */
    private static String startUpFailure(Map<String, Object> env) {
        Throwable failure = null;
        try (ApplicationContext ignored = IsolatedContext.startWithEnvironment(env)) {
            // started
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).as("start-up with " + env.keySet() + " should fail").isNotNull();
        String messages = IsolatedContext.messages(failure);
        assertThat(messages).contains(ConfigurationException.class.getName());
        return messages;
    }

    @Test
    void productionWithoutProvidersRefusesToStartNamingBoth() {
        assertThat(startUpFailure(Map.of("CHARGEBOT_PROFILE", "production")))
                .contains("CHARGEBOT_PROFILE=production")
                .contains("CHARGEBOT_SMS_PROVIDER=sens")
                .contains("CHARGEBOT_SMS_SENS_ACCESS_KEY, CHARGEBOT_SMS_SENS_SECRET_KEY, CHARGEBOT_SMS_SENS_SERVICE_ID, "
                        + "CHARGEBOT_SMS_SENS_FROM")
                .contains("CHARGEBOT_EMAIL_PROVIDER=smtp")
                .contains("CHARGEBOT_EMAIL_SMTP_HOST, CHARGEBOT_EMAIL_SMTP_FROM");
    }

    @Test
    void productionWithLocalChosenExplicitlyRefusesToStart() {
        String message = startUpFailure(merge(smtpEnv(),
                Map.of("CHARGEBOT_PROFILE", "production", "CHARGEBOT_SMS_PROVIDER", "local")));
        assertThat(message).contains("SMS sender").contains("CHARGEBOT_SMS_PROVIDER=sens")
                .doesNotContain("CHARGEBOT_EMAIL_PROVIDER");
    }

    @Test
    void productionWithSensButNoSecretNamesTheMissingSetting() {
        Map<String, Object> env = merge(sensEnv(), smtpEnv(), Map.of("CHARGEBOT_PROFILE", "production"));
        env.remove("CHARGEBOT_SMS_SENS_SECRET_KEY");
        assertThat(startUpFailure(env))
                .contains("chargebot.sms.sens.secret-key (CHARGEBOT_SMS_SENS_SECRET_KEY)")
                .doesNotContain("CHARGEBOT_SMS_SENS_ACCESS_KEY")
                .doesNotContain("ncp_iam_ACCESS")
                .doesNotContain("s3cret-Passw0rd");
    }

    @Test
    void productionWithSmtpButNoFromNamesTheMissingSetting() {
        Map<String, Object> env = merge(sensEnv(), smtpEnv(), Map.of("CHARGEBOT_PROFILE", "production"));
        env.remove("CHARGEBOT_EMAIL_SMTP_FROM");
        assertThat(startUpFailure(env))
                .contains("chargebot.email.smtp.from (CHARGEBOT_EMAIL_SMTP_FROM)")
                .doesNotContain("s3cret-Passw0rd");
    }

    @Test
    void anUnknownProviderRefusesToStart() {
        assertThat(startUpFailure(Map.of("CHARGEBOT_SMS_PROVIDER", "twilio")))
                .contains("CHARGEBOT_SMS_PROVIDER): twilio (expected: sens or local)");
    }

    @Test
    void productionStartsWithCompleteSettingsFromEnvironmentVariables() {
        try (ApplicationContext context = IsolatedContext.startWithEnvironment(
                merge(sensEnv(), smtpEnv(), Map.of("CHARGEBOT_PROFILE", "production")))) {
            assertThat(context.getBeansOfType(SmsSender.class)).singleElement().isInstanceOf(SensSmsSender.class);
            assertThat(context.getBeansOfType(EmailSender.class)).singleElement().isInstanceOf(SmtpEmailSender.class);
        }
        MessagingFactory.Selection selection = MessagingFactory.select(
                new PropertySourcePropertyResolver(PropertySource.of(
                        "env", merge(sensEnv(), smtpEnv()),
                        PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE)),
                new RuntimeProfile("production"));
        assertThat(selection.sens().accessKey()).isEqualTo("ncp_iam_ACCESS");
        assertThat(selection.sens().secretKey()).isEqualTo("ncp_iam_SECRET");
        assertThat(selection.sens().from()).isEqualTo("15881234");
        assertThat(selection.sens().requestTimeout()).hasSeconds(2);
        assertThat(selection.smtp().username()).isEqualTo("mailer");
        assertThat(selection.smtp().from().getPersonal()).isEqualTo("차지봇");
    }

    @Test
    void theFullServerRefusesARealProviderWithMissingSettingsLocallyToo() {
        Throwable failure = null;
        try (ChargeBotServer ignored = TestServers.start(Map.of("chargebot.email.provider", "smtp",
                "chargebot.email.smtp.host", "smtp.example.com"))) {
            // started
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(IsolatedContext.messages(failure)).contains("chargebot.email.smtp.from (CHARGEBOT_EMAIL_SMTP_FROM)");
    }

    @Test
    void theLocalProfileWithNothingConfiguredUsesTheLocalAdapters() {
        // Full-server variant (with a database): LocalAdaptersTest.
        MessagingFactory.Selection selection = MessagingFactory.select(
                new PropertySourcePropertyResolver(
                        PropertySource.of("test", Map.of())),
                new RuntimeProfile("local"));
        assertThat(selection.sens()).isNull();
        assertThat(selection.smtp()).isNull();
        assertThatThrownBy(() -> MessagingFactory.select(
                new PropertySourcePropertyResolver(
                        PropertySource.of("test", Map.of())),
                new RuntimeProfile("production")))
                .isInstanceOf(ConfigurationException.class);
    }
}
