package io.chargebot.server.error;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {

    private final ErrorMapper mapper = new ErrorMapper();

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS",
            "FAILED_PRECONDITION", "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "UNAVAILABLE"})
    void apiExceptionsKeepTheirCodeReasonAndMessage(Status.Code code) {
        ApiException error = new ApiException(code, ErrorReason.RESERVATION_CONFLICT, "conflict with 10:00-11:00",
                List.of(), Map.of("start", "10:00"), null);
        StatusRuntimeException mapped = mapper.map(error, "m", "cid");
        com.google.rpc.Status status = StatusProto.fromThrowable(mapped);
        assertThat(mapped.getStatus().getCode()).isEqualTo(code);
        assertThat(status.getCode()).isEqualTo(code.value());
        assertThat(status.getMessage()).isEqualTo("conflict with 10:00-11:00");
        ErrorInfo info = only(status.getDetailsList(), ErrorInfo.class);
        assertThat(info.getReason()).isEqualTo("RESERVATION_CONFLICT");
        assertThat(info.getDomain()).isEqualTo("chargebot.io");
        assertThat(info.getMetadataMap()).containsEntry("start", "10:00");
    }

    @Test
    void everyReasonRoundTripsAsItsName() {
        for (ErrorReason reason : ErrorReason.values()) {
            if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
                continue;
            }
            ApiException error = new ApiException(Status.Code.FAILED_PRECONDITION, reason, "x");
            ErrorInfo info = only(StatusProto.fromThrowable(mapper.map(error, "m", "c")).getDetailsList(), ErrorInfo.class);
            assertThat(ErrorReason.valueOf(info.getReason())).isEqualTo(reason);
        }
    }

    @Test
    void validationFailuresNameEveryField() {
        ApiException error = ApiException.invalid(List.of(
                new FieldViolation("location.latitude", "must be between -90 and 90"),
                new FieldViolation("page_size", "must be between 0 and 100")));
        com.google.rpc.Status status = StatusProto.fromThrowable(mapper.map(error, "m", "c"));
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(only(status.getDetailsList(), ErrorInfo.class).getReason()).isEqualTo("VALIDATION_FAILED");
        assertThat(only(status.getDetailsList(), BadRequest.class).getFieldViolationsList())
                .extracting(BadRequest.FieldViolation::getField)
                .containsExactly("location.latitude", "page_size");
        assertThat(status.getMessage()).contains("location.latitude", "page_size");
    }

    @Test
    void databaseOutagesBecomeUnavailableWithRetryInfo() {
        for (Throwable cause : List.of(
                new SQLTransientConnectionException("pool timeout"),
                new SQLException("connection refused", "08001"),
                new SQLException("terminating connection", "57P01"),
                new io.chargebot.server.db.DataAccessException(new SQLException("io", "08006")))) {
            StatusRuntimeException mapped = mapper.map(new CompletionException(cause), "m", "c");
            com.google.rpc.Status status = StatusProto.fromThrowable(mapped);
            assertThat(mapped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(only(status.getDetailsList(), ErrorInfo.class).getReason()).isEqualTo("DATABASE_ERROR");
            assertThat(only(status.getDetailsList(), RetryInfo.class).getRetryDelay().getSeconds()).isEqualTo(1);
            assertThat(status.getMessage()).doesNotContain("refused", "pool", "08001");
        }
    }

    @Test
    void statementTimeoutsBecomeDeadlineExceeded() {
        StatusRuntimeException mapped = mapper.map(new SQLException("canceling statement", "57014"), "m", "c");
        assertThat(mapped.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }

    @Test
    void unexpectedErrorsBecomeInternalWithOnlyACorrelationId() {
        RuntimeException bug = new IllegalStateException("SELECT secret FROM users; password=hunter2",
                new SQLException("syntax error at or near", "42601"));
        StatusRuntimeException mapped = mapper.map(bug, "chargebot.Test/Do", "corr-123");
        com.google.rpc.Status status = StatusProto.fromThrowable(mapped);
        assertThat(mapped.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getMessage()).contains("corr-123").doesNotContain("SELECT", "hunter2", "syntax", "IllegalState");
        ErrorInfo info = only(status.getDetailsList(), ErrorInfo.class);
        assertThat(info.getReason()).isEqualTo("INTERNAL_ERROR");
        assertThat(info.getMetadataMap()).containsExactly(Map.entry("correlation_id", "corr-123"));
        assertThat(mapped.getCause()).isNull();
    }

    @Test
    void plainStatusesGainAnErrorInfoAndUnknownBecomesInternal() {
        StatusRuntimeException mapped = mapper.map(Status.UNKNOWN.withDescription("boom at Foo.java:12").asRuntimeException(), "m", "c9");
        assertThat(mapped.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(StatusProto.fromThrowable(mapped).getMessage()).doesNotContain("Foo.java");
        StatusRuntimeException unavailable = mapper.map(Status.UNAVAILABLE.withDescription("draining").asRuntimeException(), "m", "c");
        assertThat(only(StatusProto.fromThrowable(unavailable).getDetailsList(), ErrorInfo.class).getReason())
                .isEqualTo("SERVICE_UNAVAILABLE");
    }

    @Test
    void retryDelayIsCarried() {
        ApiException limited = new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED, "slow down",
                List.of(), Map.of(), Duration.ofSeconds(30));
        RetryInfo retry = only(StatusProto.fromThrowable(mapper.map(limited, "m", "c")).getDetailsList(), RetryInfo.class);
        assertThat(retry.getRetryDelay().getSeconds()).isEqualTo(30);
    }

    private static <T extends com.google.protobuf.Message> T only(List<Any> details, Class<T> type) {
        List<Any> matching = details.stream().filter(a -> a.is(type)).toList();
        assertThat(matching).as(type.getSimpleName()).hasSize(1);
        try {
            return matching.get(0).unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
