package io.chargebot.server.config;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.util.Locale;

/**
 * Whether this server runs for local development or in production ({@code CHARGEBOT_PROFILE},
 * default {@code local}). In production no development adapter (recording SMS/e-mail/push instead
 * of sending, a local licence verifier, ...) may be selected: start-up fails instead, so a missing
 * credential is never a silent fake success.
 */
@Singleton
public final class RuntimeProfile {

    private final boolean production;

    public RuntimeProfile(@Value("${chargebot.profile:local}") String profile) {
        String normalized = profile.trim().toLowerCase(Locale.ROOT);
        if (!normalized.equals("local") && !normalized.equals("production")) {
            throw new ConfigurationException("chargebot.profile: " + profile + " (expected: local or production)");
        }
        this.production = normalized.equals("production");
    }

    public boolean production() {
        return production;
    }

    /**
     * Call when selecting a development adapter: in production it fails start-up naming what to
     * configure; locally it does nothing.
     *
     * @param what      the port, e.g. "SMS sender"
     * @param howToFix  the settings that select a real adapter, e.g. "CHARGEBOT_SMS_PROVIDER=sens and CHARGEBOT_SMS_SENS_*"
     */
    public void refuseDevelopmentAdapter(String what, String howToFix) {
        if (production) {
            throw new ConfigurationException(what + ": the local development adapter cannot be used with "
                    + "CHARGEBOT_PROFILE=production; configure " + howToFix);
        }
    }
}
