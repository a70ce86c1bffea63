package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

/**
 * One invalid request field, from the server's {@code google.rpc.BadRequest}.
 *
 * <p>{@link #field()} is the path of the field in the request, e.g. {@code "location.latitude"} or
 * {@code "parking_lot.business_hours[0].open_time"}; an app can use it to mark the input.
 */
public final class FieldViolation {

    private final String field;
    private final String description;
    private final String reason;

    FieldViolation(String field, String description, String reason) {
        this.field = requireNonNull(field, "field");
        this.description = requireNonNull(description, "description");
        this.reason = requireNonNull(reason, "reason");
    }

    /** The path of the invalid field in the request message. */
    public String field() {
        return field;
    }

    /** A human-readable (English) description of what is wrong with the field. */
    public String description() {
        return description;
    }

    /** A machine-readable reason for the violation, or {@code ""} when the server gave none. */
    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FieldViolation)) {
            return false;
        }
        FieldViolation that = (FieldViolation) o;
        return field.equals(that.field) && description.equals(that.description) && reason.equals(that.reason);
    }

    @Override
    public int hashCode() {
        return (field.hashCode() * 31 + description.hashCode()) * 31 + reason.hashCode();
    }

    @Override
    public String toString() {
        return field + ": " + description;
    }
}
