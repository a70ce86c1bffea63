package io.chargebot.server.error;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An expected failure of a request: a canonical code, one {@link ErrorReason}, a message safe to
 * show to the caller, and optional field violations, metadata and retry delay. {@link ErrorMapper}
 * turns it into a {@code google.rpc.Status}; domain code throws it through the factories below.
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final ErrorReason reason;
    private final List<FieldViolation> violations;
    private final Map<String, String> metadata;
    @Nullable
    private final Duration retryDelay;
    private final List<Message> details;

    public ApiException(Status.Code code, ErrorReason reason, String message, List<FieldViolation> violations,
                        Map<String, String> metadata, @Nullable Duration retryDelay) {
        this(code, reason, message, violations, metadata, retryDelay, List.of());
    }

    private ApiException(Status.Code code, ErrorReason reason, String message, List<FieldViolation> violations,
                         Map<String, String> metadata, @Nullable Duration retryDelay, List<Message> details) {
        super(requireNonNull(message, "message"), null, false, false);
        this.code = requireNonNull(code, "code");
        this.reason = requireNonNull(reason, "reason");
        this.violations = List.copyOf(violations);
        this.metadata = Map.copyOf(metadata);
        this.retryDelay = retryDelay;
        this.details = List.copyOf(details);
    }

    /**
     * This failure with domain-specific messages added to the status details after the standard
     * ones (e.g. a {@code ReservationConflict}); clients unpack them by type.
     */
    public ApiException withDetails(List<? extends Message> extra) {
        List<Message> all = new java.util.ArrayList<>(details);
        all.addAll(extra);
        return new ApiException(code, reason, getMessage(), violations, metadata, retryDelay, all);
    }

    public ApiException(Status.Code code, ErrorReason reason, String message) {
        this(code, reason, message, List.of(), Map.of(), null);
    }

    /** INVALID_ARGUMENT / VALIDATION_FAILED naming each bad field. */
    public static ApiException invalid(List<FieldViolation> violations) {
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("violations: empty (expected: at least one)");
        }
        StringBuilder message = new StringBuilder("invalid request: ");
        for (int i = 0; i < violations.size(); i++) {
            if (i > 0) {
                message.append("; ");
            }
            message.append(violations.get(i).field()).append(": ").append(violations.get(i).description());
        }
        return new ApiException(Status.Code.INVALID_ARGUMENT, ErrorReason.VALIDATION_FAILED, message.toString(),
                violations, Map.of(), null);
    }

    /** INVALID_ARGUMENT / VALIDATION_FAILED for one field. */
    public static ApiException invalid(String field, String description) {
        return invalid(List.of(new FieldViolation(field, description)));
    }

    /** NOT_FOUND / RESOURCE_NOT_FOUND for a resource name. */
    public static ApiException notFound(String resourceName) {
        return new ApiException(Status.Code.NOT_FOUND, ErrorReason.RESOURCE_NOT_FOUND,
                resourceName + " not found", List.of(), Map.of("resource_name", resourceName), null);
    }

    /** DEADLINE_EXCEEDED: the caller's deadline passed before the work finished. */
    public static ApiException deadlineExceeded() {
        return new ApiException(Status.Code.DEADLINE_EXCEEDED, ErrorReason.DEADLINE_EXCEEDED,
                "the request deadline passed before the server finished");
    }

    /** UNAVAILABLE / DATABASE_ERROR: the database failed or is unreachable; retry with backoff. */
    public static ApiException databaseUnavailable() {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.DATABASE_ERROR,
                "the database is unavailable; retry later", List.of(), Map.of(), Duration.ofSeconds(1));
    }

    /** UNAVAILABLE / SERVICE_UNAVAILABLE: this server cannot take the request now (e.g. shutting down); retry with backoff. */
    public static ApiException unavailable(String why) {
        return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.SERVICE_UNAVAILABLE, why, List.of(), Map.of(),
                Duration.ofSeconds(1));
    }

    public Status.Code code() {
        return code;
    }

    public ErrorReason reason() {
        return reason;
    }

    public List<FieldViolation> violations() {
        return violations;
    }

    public List<Message> details() {
        return details;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    @Nullable
    public Duration retryDelay() {
        return retryDelay;
    }

    /** The rich status: code, message, exactly one ErrorInfo, and BadRequest/RetryInfo when present. */
    public com.google.rpc.Status toStatusProto() {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(getMessage())
                .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
                        .setReason(reason.name())
                        .setDomain(ChargeBotApis.ERROR_DOMAIN)
                        .putAllMetadata(metadata)
                        .build()));
        if (!violations.isEmpty()) {
            BadRequest.Builder badRequest = BadRequest.newBuilder();
            for (FieldViolation violation : violations) {
                badRequest.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                        .setField(violation.field())
                        .setDescription(violation.description()));
            }
            status.addDetails(com.google.protobuf.Any.pack(badRequest.build()));
        }
        if (retryDelay != null) {
            status.addDetails(com.google.protobuf.Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(retryDelay.getSeconds())
                            .setNanos(retryDelay.getNano()))
                    .build()));
        }
        for (Message detail : details) {
            status.addDetails(com.google.protobuf.Any.pack(detail));
        }
        return status.build();
    }

    public StatusRuntimeException toStatusRuntimeException() {
        return StatusProto.toStatusRuntimeException(toStatusProto());
    }
}
