package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * A failed call to ChargeBot, with everything the server said about it.
 *
 * <p>Every failure carries a gRPC {@linkplain #code() code} and, from a ChargeBot server, one
 * {@linkplain #reason() reason}; invalid input adds {@linkplain #fieldViolations() field
 * violations}. Catch a subclass ({@link InvalidArgumentException}, {@link NotFoundException},
 * {@link UnauthenticatedException}, ...) for the cases an app handles, and this class for the
 * rest:
 *
 * <pre>{@code
 * try {
 *     lot = client.parking().getParkingLot(name);
 * } catch (NotFoundException e) {
 *     showGone();
 * } catch (ChargeBotException e) {
 *     showError(e.getMessage(), e.correlationId());
 * }
 * }</pre>
 *
 * <p>The friendly API throws these already; wrap calls on raw stubs with {@link #from(Throwable)}.
 */
public class ChargeBotException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The {@code ErrorInfo} metadata key of the id under which the server logged an error. */
    public static final String CORRELATION_ID_KEY = "correlation_id";

    private final transient ErrorDetails details;

    ChargeBotException(ErrorDetails details) {
        super(message(details), details.cause);
        this.details = requireNonNull(details, "details");
    }

    /**
     * Returns the typed exception for a failed gRPC call, e.g. one thrown by a raw stub.
     *
     * @param t a {@link io.grpc.StatusRuntimeException} or {@link io.grpc.StatusException}; any
     *     other throwable becomes a {@code ChargeBotException} with code {@code UNKNOWN}
     */
    public static ChargeBotException from(Throwable t) {
        return ErrorMapper.map(requireNonNull(t, "t"));
    }

    /** What the server said, for the subclasses that expose more of it. */
    ErrorDetails details() {
        return details;
    }

    /** The gRPC status of the failed call. */
    public Status status() {
        return details.status;
    }

    /** The gRPC status code of the failed call. */
    public Status.Code code() {
        return details.status.getCode();
    }

    /** The server's description of the error (English, for logs), or {@code ""}. */
    public String description() {
        String description = details.status.getDescription();
        return description == null ? "" : description;
    }

    /**
     * The machine-readable reason, from the {@code google.rpc.ErrorInfo} of the error.
     *
     * @return {@link ErrorReason#ERROR_REASON_UNSPECIFIED} when the error carried no reason (e.g. a
     *     network failure), {@link ErrorReason#UNRECOGNIZED} when the reason is newer than this SDK
     *     (see {@link #reasonName()})
     */
    public ErrorReason reason() {
        return details.reason;
    }

    /** The reason exactly as the server sent it, e.g. {@code "VALIDATION_FAILED"}, or {@code ""}. */
    public String reasonName() {
        return details.reasonName;
    }

    /** The domain of the reason ({@code "chargebot.io"} for ChargeBot's own), or {@code ""}. */
    public String domain() {
        return details.domain;
    }

    /** The {@code ErrorInfo} metadata: extra facts about the error, such as a correlation id. */
    public Map<String, String> metadata() {
        return details.metadata;
    }

    /** The id under which the server logged the error (quote it to support), or {@code null}. */
    @Nullable
    public String correlationId() {
        return details.metadata.get(CORRELATION_ID_KEY);
    }

    /** The invalid request fields, from the {@code google.rpc.BadRequest} of the error; often empty. */
    public List<FieldViolation> fieldViolations() {
        return details.fieldViolations;
    }

    /** Whether the server said how long to wait before retrying ({@code google.rpc.RetryInfo}). */
    public boolean hasRetryDelay() {
        return details.retryDelayMillis >= 0;
    }

    /** How long to wait before retrying, in milliseconds; {@code 0} when {@link #hasRetryDelay()} is false. */
    public long retryDelayMillis() {
        return Math.max(0, details.retryDelayMillis);
    }

    private static String message(ErrorDetails details) {
        StringBuilder sb = new StringBuilder().append(details.status.getCode());
        if (!details.reasonName.isEmpty()) {
            sb.append(' ').append(details.reasonName);
        }
        String description = details.status.getDescription();
        if (description != null && !description.isEmpty()) {
            sb.append(": ").append(description);
        }
        if (!details.fieldViolations.isEmpty()) {
            sb.append(' ').append(details.fieldViolations);
        }
        return sb.toString();
    }
}
