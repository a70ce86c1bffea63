package io.chargebot.server.error;

import static java.util.Objects.requireNonNull;

/** One bad request field: its path in the request (e.g. {@code location.latitude}) and what is wrong. */
public record FieldViolation(String field, String description) {
    public FieldViolation {
        requireNonNull(field, "field");
        requireNonNull(description, "description");
    }
}
