package io.chargebot.server.error;

import com.google.rpc.ErrorInfo;
import io.chargebot.api.ChargeBotApis;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns any failure into the status a client sees. Expected errors
 * ({@link ApiException}) keep their code and details; database outages become UNAVAILABLE; anything
 * else becomes INTERNAL with only a correlation id, logged once at ERROR with the stack trace. No
 * stack trace, SQL or exception text of an unexpected error ever reaches a client.
 */
@Singleton
public final class ErrorMapper {

    private static final Logger logger = LoggerFactory.getLogger(ErrorMapper.class);
    private static final io.grpc.Metadata.Key<byte[]> STATUS_DETAILS_KEY =
            io.grpc.Metadata.Key.of("grpc-status-details-bin", io.grpc.Metadata.BINARY_BYTE_MARSHALLER);

    /** Maps {@code error}, raised while serving {@code method} under {@code correlationId}. */
    public StatusRuntimeException map(Throwable error, String method, String correlationId) {
        Throwable cause = unwrap(error);
        if (cause instanceof ApiException api) {
            if (logger.isDebugEnabled()) {
                logger.debug("{} failed: {} {} [{}]", method, api.code(), api.reason(), correlationId);
            }
            return api.toStatusRuntimeException();
        }
        if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
            Status status = Status.fromThrowable(cause);
            io.grpc.Metadata trailers = Status.trailersFromThrowable(cause);
            boolean rich = trailers != null && trailers.containsKey(STATUS_DETAILS_KEY);
            if ((rich && status.getCode() != Status.Code.UNKNOWN) || status.getCode() == Status.Code.CANCELLED) {
                return status.asRuntimeException(trailers);
            }
            return fromStatus(status, correlationId);
        }
        SQLException sql = findSqlException(cause);
        if (sql != null && isUnavailable(sql)) {
            logger.warn("{} failed: database unavailable ({}) [{}]", method, sql.getSQLState(), correlationId);
            return ApiException.databaseUnavailable().toStatusRuntimeException();
        }
        if (sql != null && "57014".equals(sql.getSQLState())) {
            return ApiException.deadlineExceeded().toStatusRuntimeException();
        }
        logger.error("{} failed unexpectedly [correlation_id={}]", method, correlationId, cause);
        return internal(correlationId);
    }

    /** INTERNAL with a correlation id and nothing else. */
    public static StatusRuntimeException internal(String correlationId) {
        return new ApiException(Status.Code.INTERNAL, ErrorReason.INTERNAL_ERROR,
                "internal error; quote correlation id " + correlationId,
                List.of(), Map.of("correlation_id", correlationId), null).toStatusRuntimeException();
    }

    private static StatusRuntimeException fromStatus(Status status, String correlationId) {
        ErrorReason reason = switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> ErrorReason.DEADLINE_EXCEEDED;
            case UNAVAILABLE -> ErrorReason.SERVICE_UNAVAILABLE;
            case UNAUTHENTICATED -> ErrorReason.UNAUTHENTICATED;
            case PERMISSION_DENIED -> ErrorReason.PERMISSION_DENIED;
            case RESOURCE_EXHAUSTED -> ErrorReason.PAYLOAD_TOO_LARGE;
            case NOT_FOUND -> ErrorReason.RESOURCE_NOT_FOUND;
            case INVALID_ARGUMENT -> ErrorReason.VALIDATION_FAILED;
            default -> ErrorReason.INTERNAL_ERROR;
        };
        String message = status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL
                ? "internal error; quote correlation id " + correlationId
                : status.getDescription() == null ? status.getCode().name() : status.getDescription();
        Status.Code code = status.getCode() == Status.Code.UNKNOWN ? Status.Code.INTERNAL : status.getCode();
        com.google.rpc.Status proto = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                .addDetails(com.google.protobuf.Any.pack(ErrorInfo.newBuilder()
                        .setReason(reason.name())
                        .setDomain(ChargeBotApis.ERROR_DOMAIN)
                        .putMetadata("correlation_id", correlationId)
                        .build()))
                .build();
        return StatusProto.toStatusRuntimeException(proto);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof java.util.concurrent.CompletionException
                || current instanceof java.util.concurrent.ExecutionException
                || current instanceof java.lang.reflect.UndeclaredThrowableException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private static SQLException findSqlException(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /** Connection failures (class 08), pool timeouts, shutdown (57P0x) and too many connections (53300). */
    static boolean isUnavailable(SQLException sql) {
        if (sql instanceof SQLTransientConnectionException) {
            return true;
        }
        String state = sql.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P") || "53300".equals(state));
    }
}
