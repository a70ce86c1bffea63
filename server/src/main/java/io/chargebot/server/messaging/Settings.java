package io.chargebot.server.messaging;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.value.PropertyResolver;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Reads adapter settings (messaging, push), naming each by its property and its environment variable. */
public final class Settings {

    private Settings() {}

    /** {@code chargebot.sms.sens.access-key} → {@code CHARGEBOT_SMS_SENS_ACCESS_KEY}. */
    public static String envName(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** {@code chargebot.sms.provider (CHARGEBOT_SMS_PROVIDER)}. */
    public static String describe(String property) {
        return property + " (" + envName(property) + ")";
    }

    public static String describe(List<String> properties) {
        return properties.stream().map(Settings::describe).collect(Collectors.joining(", "));
    }

    /** The trimmed value, or null when unset or blank. */
    @Nullable
    public static String text(PropertyResolver config, String property) {
        Optional<String> value = config.get(property, String.class);
        if (value.isEmpty() || value.get().isBlank()) {
            return null;
        }
        return value.get().trim();
    }

    /** The value; when unset, adds {@code property} to {@code missing} and returns null. */
    @Nullable
    public static String required(PropertyResolver config, String property, List<String> missing) {
        String value = text(config, property);
        if (value == null) {
            missing.add(property);
        }
        return value;
    }

    /** A positive duration such as {@code 5s} or {@code 500ms}. */
    public static Duration duration(PropertyResolver config, String property, Duration defaultValue) {
        String text = text(config, property);
        if (text == null) {
            return defaultValue;
        }
        Duration value = config.get(property, Duration.class).orElse(null);
        if (value == null || value.isNegative() || value.isZero()) {
            throw new ConfigurationException(describe(property) + ": " + text + " (expected: a positive duration such as 5s)");
        }
        return value;
    }

    /** {@code 500 ms}, {@code 5 s}: for messages an operator reads. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    public static ConfigurationException invalid(String property, String value, String expected) {
        return new ConfigurationException(describe(property) + ": " + value + " (expected: " + expected + ")");
    }
}
