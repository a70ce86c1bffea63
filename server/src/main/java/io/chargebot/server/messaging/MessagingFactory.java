package io.chargebot.server.messaging;

import io.chargebot.server.config.RuntimeProfile;
import io.chargebot.server.db.Db;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.value.PropertyResolver;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the one {@link SmsSender} and the one {@link EmailSender} from configuration, at start-up:
 * {@code chargebot.sms.provider} = {@code sens} | {@code local} (default) and
 * {@code chargebot.email.provider} = {@code smtp} | {@code local} (default). Every problem with
 * both is reported at once, and start-up fails: a local adapter in production, a real one with
 * settings missing, an unknown provider. Both beans are created eagerly ({@code @Context}), so a
 * misconfiguration stops start-up even before anything uses them.
 */
@Factory
final class MessagingFactory {

    static final String SMS_PROVIDER = "chargebot.sms.provider";
    static final String EMAIL_PROVIDER = "chargebot.email.provider";

    private static final Logger logger = LoggerFactory.getLogger(MessagingFactory.class);

    /** What configuration selected: null settings mean the local development adapter. */
    record Selection(@Nullable SensSettings sens, @Nullable SmtpSettings smtp) {}

    private final Selection selection;

    @Inject
    MessagingFactory(Environment environment, RuntimeProfile profile) {
        this.selection = select(environment, profile);
    }

    /**
     * Reads both providers' settings.
     *
     * @throws ConfigurationException listing every problem found, for SMS and e-mail
     */
    static Selection select(PropertyResolver config, RuntimeProfile profile) {
        List<String> problems = new ArrayList<>();
        SensSettings sens = null;
        SmtpSettings smtp = null;
        try {
            String provider = provider(config, SMS_PROVIDER, "sens");
            if (provider.equals("sens")) {
                sens = SensSettings.from(config);
            } else {
                profile.refuseDevelopmentAdapter("SMS sender (" + Settings.envName(SMS_PROVIDER) + " unset or local)",
                        envAssignment(SMS_PROVIDER, "sens") + " and " + envNames(SensSettings.REQUIRED));
            }
        } catch (ConfigurationException e) {
            problems.add(e.getMessage());
        }
        try {
            String provider = provider(config, EMAIL_PROVIDER, "smtp");
            if (provider.equals("smtp")) {
                smtp = SmtpSettings.from(config);
            } else {
                profile.refuseDevelopmentAdapter("E-mail sender (" + Settings.envName(EMAIL_PROVIDER) + " unset or local)",
                        envAssignment(EMAIL_PROVIDER, "smtp") + " and " + envNames(SmtpSettings.REQUIRED));
            }
        } catch (ConfigurationException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(String.join("; ", problems));
        }
        return new Selection(sens, smtp);
    }

    /** The configured provider, lower case: {@code real} or {@code local} (also when unset). */
    private static String provider(PropertyResolver config, String property, String real) {
        String value = Settings.text(config, property);
        if (value == null) {
            return "local";
        }
        String normalized = value.toLowerCase(Locale.ROOT);
        if (!normalized.equals(real) && !normalized.equals("local")) {
            throw Settings.invalid(property, value, real + " or local");
        }
        return normalized;
    }

    private static String envAssignment(String property, String value) {
        return Settings.envName(property) + "=" + value;
    }

    private static String envNames(List<String> properties) {
        return String.join(", ", properties.stream().map(Settings::envName).toList());
    }

    @Context
    SmsSender smsSender(BeanProvider<Db> db) {
        if (selection.sens() == null) {
            logger.info("SMS: local development adapter (messages go to dev_outbox_messages and the log, "
                    + "nothing is sent); set {} to send", envAssignment(SMS_PROVIDER, "sens"));
            return new LocalSmsSender(db.get());
        }
        logger.info("SMS: Naver Cloud SENS at {}", selection.sens().endpoint());
        return new SensSmsSender(selection.sens(), Clock.systemUTC());
    }

    @Context
    EmailSender emailSender(BeanProvider<Db> db) {
        if (selection.smtp() == null) {
            logger.info("E-mail: local development adapter (messages go to dev_outbox_messages and the log, "
                    + "nothing is sent); set {} to send", envAssignment(EMAIL_PROVIDER, "smtp"));
            return new LocalEmailSender(db.get());
        }
        logger.info("E-mail: SMTP {}:{} ({})", selection.smtp().host(), selection.smtp().port(),
                selection.smtp().security().name().toLowerCase(Locale.ROOT));
        return new SmtpEmailSender(selection.smtp());
    }
}
