package io.chargebot.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.reservation.v1.ReservationConflict;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.lite.ProtoLiteUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/** What a failed call said: its status and the rich details of its {@code google.rpc.Status}. */
final class ErrorDetails {

    /** The trailer in which a server sends the {@code google.rpc.Status} with its details. */
    static final Metadata.Key<com.google.rpc.Status> STATUS_DETAILS_KEY = Metadata.Key.of(
            "grpc-status-details-bin",
            ProtoLiteUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

    private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

    final Status status;
    final Throwable cause;
    final String reasonName;
    final ErrorReason reason;
    final String domain;
    final Map<String, String> metadata;
    final List<FieldViolation> fieldViolations;
    final long retryDelayMillis;
    /** The {@code chargebot.reservation.v1.ReservationConflict} details (RESERVATION_CONFLICT), in order. */
    final List<ReservationConflict> reservationConflicts;

    private ErrorDetails(Status status, Throwable cause, @Nullable ErrorInfo errorInfo,
                         List<FieldViolation> fieldViolations, long retryDelayMillis,
                         List<ReservationConflict> reservationConflicts) {
        this.status = status;
        this.cause = cause;
        this.reasonName = errorInfo == null ? "" : errorInfo.getReason();
        this.reason = parseReason(reasonName);
        this.domain = errorInfo == null ? "" : errorInfo.getDomain();
        this.metadata = errorInfo == null
                ? Collections.<String, String>emptyMap()
                : Collections.unmodifiableMap(new LinkedHashMap<>(errorInfo.getMetadataMap()));
        this.fieldViolations = Collections.unmodifiableList(fieldViolations);
        this.retryDelayMillis = retryDelayMillis;
        this.reservationConflicts = Collections.unmodifiableList(reservationConflicts);
    }

    /** Reads the status and details of a failed call from its exception. */
    static ErrorDetails from(Throwable t) {
        Status status = Status.fromThrowable(t);
        Metadata trailers = Status.trailersFromThrowable(t);
        com.google.rpc.Status details = null;
        if (trailers != null) {
            try {
                details = trailers.get(STATUS_DETAILS_KEY);
            } catch (IllegalArgumentException e) {
                // Malformed details: keep the plain status.
            }
        }
        ErrorInfo errorInfo = null;
        List<FieldViolation> violations = new ArrayList<>();
        long retryDelayMillis = -1;
        List<ReservationConflict> conflicts = new ArrayList<>();
        if (details != null) {
            for (Any any : details.getDetailsList()) {
                try {
                    String type = typeName(any.getTypeUrl());
                    if (type.equals("google.rpc.ErrorInfo") && errorInfo == null) {
                        errorInfo = ErrorInfo.parseFrom(any.getValue());
                    } else if (type.equals("google.rpc.BadRequest")) {
                        for (BadRequest.FieldViolation v : BadRequest.parseFrom(any.getValue()).getFieldViolationsList()) {
                            violations.add(new FieldViolation(v.getField(), v.getDescription(), v.getReason()));
                        }
                    } else if (type.equals("google.rpc.RetryInfo")) {
                        RetryInfo info = RetryInfo.parseFrom(any.getValue());
                        if (info.hasRetryDelay()) {
                            retryDelayMillis = toMillis(info.getRetryDelay());
                        }
                    } else if (type.equals("chargebot.reservation.v1.ReservationConflict")) {
                        conflicts.add(ReservationConflict.parseFrom(any.getValue()));
                    }
                } catch (InvalidProtocolBufferException e) {
                    // Skip a detail this SDK cannot read; the others still count.
                }
            }
        }
        return new ErrorDetails(status, t, errorInfo, violations, retryDelayMillis, conflicts);
    }

    private static String typeName(String typeUrl) {
        return typeUrl.startsWith(TYPE_URL_PREFIX)
                ? typeUrl.substring(TYPE_URL_PREFIX.length())
                : typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    }

    private static long toMillis(Duration d) {
        return Math.max(0, d.getSeconds() * 1000 + d.getNanos() / 1_000_000);
    }

    private static ErrorReason parseReason(String name) {
        if (name.isEmpty()) {
            return ErrorReason.ERROR_REASON_UNSPECIFIED;
        }
        try {
            ErrorReason reason = ErrorReason.valueOf(name);
            return reason == ErrorReason.ERROR_REASON_UNSPECIFIED ? ErrorReason.UNRECOGNIZED : reason;
        } catch (IllegalArgumentException e) {
            return ErrorReason.UNRECOGNIZED;
        }
    }
}
