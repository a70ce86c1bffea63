package io.chargebot.server.notification;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.chargebot.server.config.AdapterSettings;
import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.db.Db;
import io.chargebot.server.messaging.Settings;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.value.PropertyResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the one {@link PushSender} at start-up: {@code chargebot.push.provider} = {@code fcm} |
 * {@code local} (default). FCM needs a service account, from a file
 * ({@code chargebot.push.fcm.credentials-file}) or its JSON in {@code chargebot.push.fcm.credentials-json}
 * (e.g. from a secret store), and a project id (from the service account unless
 * {@code chargebot.push.fcm.project-id} is set). The local adapter in production, or FCM without
 * usable credentials, fails start-up; credentials never appear in a message.
 */
@Factory
final class PushFactory {

    static final String PROVIDER = "chargebot.push.provider";
    static final String CREDENTIALS_FILE = "chargebot.push.fcm.credentials-file";
    static final String CREDENTIALS_JSON = "chargebot.push.fcm.credentials-json";
    static final String PROJECT_ID = "chargebot.push.fcm.project-id";
    static final String BASE_URL = "chargebot.push.fcm.base-url";
    static final String TIMEOUT = "chargebot.push.fcm.timeout";
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger logger = LoggerFactory.getLogger(PushFactory.class);

    /** FCM's settings; null in a {@link Selection} means the local adapter. */
    record Fcm(GoogleCredentials credentials, String projectId, URI baseUrl, Duration timeout) {
        @Override
        public String toString() {
            return "Fcm[projectId=" + projectId + ", baseUrl=" + baseUrl + "]";
        }
    }

    record Selection(@Nullable Fcm fcm) {}

    /**
     * Reads the push settings.
     *
     * @throws ConfigurationException naming what to configure
     */
    static Selection select(PropertyResolver config, RuntimeProfile profile) {
        String provider = Settings.text(config, PROVIDER);
        String normalized = provider == null ? "local" : provider.toLowerCase(Locale.ROOT);
        if (!normalized.equals("fcm") && !normalized.equals("local")) {
            throw Settings.invalid(PROVIDER, provider, "fcm or local");
        }
        if (normalized.equals("local")) {
            profile.refuseDevelopmentAdapter("Push sender (" + Settings.envName(PROVIDER) + " unset or local)",
                    Settings.envName(PROVIDER) + "=fcm and " + Settings.envName(CREDENTIALS_FILE) + " or "
                    + Settings.envName(CREDENTIALS_JSON));
            return new Selection(null);
        }
        String file = Settings.text(config, CREDENTIALS_FILE);
        String inline = Settings.text(config, CREDENTIALS_JSON);
        if (file == null && inline == null) {
            throw new ConfigurationException("Push sender (FCM): no service-account credentials; set "
                    + Settings.describe(CREDENTIALS_FILE) + " or " + Settings.describe(CREDENTIALS_JSON));
        }
        if (file != null && inline != null) {
            throw new ConfigurationException("Push sender (FCM): set only one of " + Settings.describe(CREDENTIALS_FILE)
                    + " and " + Settings.describe(CREDENTIALS_JSON));
        }
        GoogleCredentials credentials = file != null ? fromFile(file) : fromJson(inline);
        String projectId = Settings.text(config, PROJECT_ID);
        if (projectId == null && credentials instanceof ServiceAccountCredentials account) {
            projectId = account.getProjectId();
        }
        if (projectId == null || !projectId.matches("[a-z][a-z0-9-]{3,62}")) {
            throw new ConfigurationException(Settings.describe(PROJECT_ID) + ": "
                    + (projectId == null ? "unset and not in the service account" : projectId)
                    + " (expected: the Firebase project id, e.g. chargebot-prod)");
        }
        URI baseUrl = AdapterSettings.baseUrl(profile, Settings.describe(BASE_URL), Settings.text(config, BASE_URL),
                FirebasePushSender.FCM.toString(), "access tokens are credentials");
        Duration timeout = AdapterSettings.timeout(Settings.describe(TIMEOUT),
                Settings.duration(config, TIMEOUT, Duration.ofSeconds(10)), MAX_TIMEOUT);
        return new Selection(new Fcm(credentials, projectId, baseUrl, timeout));
    }

    private static GoogleCredentials fromFile(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return GoogleCredentials.fromStream(in);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException(Settings.describe(CREDENTIALS_FILE) + ": " + file + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException(Settings.describe(CREDENTIALS_FILE) + ": " + file
                    + " is not a service-account key file (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static GoogleCredentials fromJson(String text) {
        try {
            return GoogleCredentials.fromStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            // The value is a secret: only say that it is not usable.
            throw new ConfigurationException(Settings.describe(CREDENTIALS_JSON) + ": not a service-account key in JSON ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private final Selection selection;

    PushFactory(Environment environment, RuntimeProfile profile) {
        this.selection = select(environment, profile);
    }

    @Context
    @Bean(preDestroy = "close")
    @Requires(missingBeans = PushSender.class)
    PushSender pushSender(BeanProvider<Db> db) {
        Fcm fcm = selection.fcm();
        if (fcm == null) {
            logger.info("Push: local development adapter (pushes go to dev_outbox_messages and the log, nothing is sent); "
                    + "set {}=fcm to send", Settings.envName(PROVIDER));
            return new LocalPushSender(db.get());
        }
        logger.info("Push: Firebase Cloud Messaging, project {} at {}", fcm.projectId(), fcm.baseUrl());
        return new FirebasePushSender(fcm.credentials(), fcm.projectId(), fcm.baseUrl(), fcm.timeout());
    }
}
