package io.chargebot.server.error;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the problems of one request so the caller learns about every bad field at once.
 *
 * <pre>{@code
 * Violations v = new Violations();
 * v.check(lat >= -90 && lat <= 90, "location.latitude", "must be between -90 and 90");
 * v.throwIfAny();
 * }</pre>
 */
public final class Violations {

    private final List<FieldViolation> violations = new ArrayList<>();

    /** Records a violation of {@code field} unless {@code ok}. Returns {@code ok}. */
    public boolean check(boolean ok, String field, String description) {
        if (!ok) {
            add(field, description);
        }
        return ok;
    }

    public void add(String field, String description) {
        violations.add(new FieldViolation(field, description));
    }

    /**
     * The value of {@code parse}, or null after recording the field violations of the
     * INVALID_ARGUMENT it threw, so one reply can name fields checked by different parsers.
     */
    @io.micronaut.core.annotation.Nullable
    public <T> T capture(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (ApiException e) {
            if (e.violations().isEmpty()) {
                throw e;
            }
            violations.addAll(e.violations());
            return null;
        }
    }

    public boolean isEmpty() {
        return violations.isEmpty();
    }

    /** Throws INVALID_ARGUMENT naming every recorded field, if any. */
    public void throwIfAny() {
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
    }
}
