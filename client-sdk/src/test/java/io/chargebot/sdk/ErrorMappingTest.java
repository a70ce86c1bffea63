package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.DebugInfo;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.parking.v1.GetParkingLotRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Server errors, as the ChargeBot server sends them, become typed exceptions with their details. */
class ErrorMappingTest {

    private static final String LOT = "parkingLots/8f7c9a52-0b4e-4c55-9a39-1f2d3c4b5a69";

    private final FakeParkingService service = new FakeParkingService();
    private final InProcessFixture fixture = new InProcessFixture(service);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void validationErrorsBecomeInvalidArgumentWithTheFieldViolations() {
        service.onList = request -> {
            throw RichErrors.error(Status.Code.INVALID_ARGUMENT, "The request has invalid fields.",
                    ErrorInfo.newBuilder()
                            .setReason("VALIDATION_FAILED")
                            .setDomain("chargebot.io")
                            .putMetadata("correlation_id", "c0ffee-42")
                            .build(),
                    BadRequest.newBuilder()
                            .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                                    .setField("location.latitude").setDescription("must be between -90 and 90"))
                            .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                                    .setField("page_size").setDescription("must be between 0 and 100")
                                    .setReason("OUT_OF_RANGE"))
                            .build(),
                    DebugInfo.newBuilder().setDetail("ignored by the SDK").build());
        };

        InvalidArgumentException e = catchThrowableOfType(InvalidArgumentException.class,
                () -> fixture.client().parking().listNearby(91, 126.978, 1000, 500));

        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.reason()).isEqualTo(ErrorReason.VALIDATION_FAILED);
        assertThat(e.reasonName()).isEqualTo("VALIDATION_FAILED");
        assertThat(e.domain()).isEqualTo("chargebot.io");
        assertThat(e.description()).isEqualTo("The request has invalid fields.");
        assertThat(e.correlationId()).isEqualTo("c0ffee-42");
        assertThat(e.metadata()).containsEntry("correlation_id", "c0ffee-42");
        assertThat(e.fieldViolations()).containsExactly(
                new FieldViolation("location.latitude", "must be between -90 and 90", ""),
                new FieldViolation("page_size", "must be between 0 and 100", "OUT_OF_RANGE"));
        assertThat(e.hasRetryDelay()).isFalse();
        assertThat(e.getMessage())
                .startsWith("INVALID_ARGUMENT VALIDATION_FAILED: The request has invalid fields.")
                .contains("location.latitude: must be between -90 and 90");
        assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void aMissingLotIsNotFound() {
        service.onGet = request -> {
            throw RichErrors.error(Status.Code.NOT_FOUND, "No parking lot " + request.getName(),
                    ErrorInfo.newBuilder().setReason("RESOURCE_NOT_FOUND").setDomain("chargebot.io").build());
        };

        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e.reason()).isEqualTo(ErrorReason.RESOURCE_NOT_FOUND);
        assertThat(e.description()).contains(LOT);
    }

    @Test
    void readsTheRetryDelay() {
        service.onGet = request -> {
            throw RichErrors.error(Status.Code.RESOURCE_EXHAUSTED, "Slow down.",
                    ErrorInfo.newBuilder().setReason("RATE_LIMITED").setDomain("chargebot.io").build(),
                    RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(1).setNanos(500_000_000)).build());
        };

        ChargeBotException e = catchThrowableOfType(ChargeBotException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e).isExactlyInstanceOf(RateLimitedException.class).isInstanceOf(ResourceExhaustedException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.RATE_LIMITED);
        assertThat(e.hasRetryDelay()).isTrue();
        assertThat(e.retryDelayMillis()).isEqualTo(1_500L);
    }

    @Test
    void aReasonNewerThanTheSdkIsUnrecognizedButKeptAsText() {
        service.onGet = request -> {
            throw RichErrors.error(Status.Code.FAILED_PRECONDITION, "Robot busy.",
                    ErrorInfo.newBuilder().setReason("ROBOT_ON_STRIKE").setDomain("chargebot.io").build());
        };

        ChargeBotException e = catchThrowableOfType(ChargeBotException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e.reason()).isEqualTo(ErrorReason.UNRECOGNIZED);
        assertThat(e.reasonName()).isEqualTo("ROBOT_ON_STRIKE");
    }

    @Test
    void anErrorWithoutDetailsKeepsItsCodeAndDescription() {
        service.onGet = request -> {
            throw Status.PERMISSION_DENIED.withDescription("Admins only.").asRuntimeException();
        };

        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
        assertThat(e.reasonName()).isEmpty();
        assertThat(e.fieldViolations()).isEmpty();
        assertThat(e.metadata()).isEmpty();
        assertThat(e.correlationId()).isNull();
        assertThat(e.getMessage()).isEqualTo("PERMISSION_DENIED: Admins only.");
    }

    @Test
    void malformedDetailsDoNotHideTheStatus() {
        Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER),
                new byte[] {(byte) 0xff, 0x01, 0x02});
        service.onGet = request -> {
            throw Status.ALREADY_EXISTS.withDescription("Exists.").asRuntimeException(trailers);
        };

        AlreadyExistsException e = catchThrowableOfType(AlreadyExistsException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e.reasonName()).isEmpty();
        assertThat(e.description()).isEqualTo("Exists.");
    }

    @Test
    void errorsOfRawStubsMapTheSameWay() {
        service.onGet = request -> {
            throw RichErrors.error(Status.Code.UNAUTHENTICATED, "Sign in first.",
                    ErrorInfo.newBuilder().setReason("UNAUTHENTICATED").setDomain("chargebot.io").build());
        };

        StatusRuntimeException raw = catchThrowableOfType(StatusRuntimeException.class,
                () -> fixture.client().parkingStub().getParkingLot(GetParkingLotRequest.newBuilder().setName(LOT).build()));
        ChargeBotException e = ChargeBotException.from(raw);

        assertThat(e).isInstanceOf(UnauthenticatedException.class);
        assertThat(e.reason()).isEqualTo(ErrorReason.UNAUTHENTICATED);
    }

    @ParameterizedTest
    @CsvSource({
        "INVALID_ARGUMENT, io.chargebot.sdk.InvalidArgumentException",
        "NOT_FOUND, io.chargebot.sdk.NotFoundException",
        "ALREADY_EXISTS, io.chargebot.sdk.AlreadyExistsException",
        "UNAUTHENTICATED, io.chargebot.sdk.UnauthenticatedException",
        "PERMISSION_DENIED, io.chargebot.sdk.PermissionDeniedException",
        "UNAVAILABLE, io.chargebot.sdk.UnavailableException",
        "DEADLINE_EXCEEDED, io.chargebot.sdk.DeadlineExceededException",
        "FAILED_PRECONDITION, io.chargebot.sdk.FailedPreconditionException",
        "RESOURCE_EXHAUSTED, io.chargebot.sdk.ResourceExhaustedException",
        "INTERNAL, io.chargebot.sdk.ChargeBotException",
        "ABORTED, io.chargebot.sdk.ChargeBotException",
    })
    void eachCommonCodeHasItsException(Status.Code code, Class<?> expected) {
        assertThat(ChargeBotException.from(Status.fromCode(code).asRuntimeException())).isExactlyInstanceOf(expected);
        assertThat(ChargeBotException.from(new StatusException(Status.fromCode(code)))).isExactlyInstanceOf(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "LOGIN_ID_TAKEN,        ALREADY_EXISTS,      io.chargebot.sdk.LoginIdTakenException,        io.chargebot.sdk.AlreadyExistsException",
        "PHONE_TAKEN,           ALREADY_EXISTS,      io.chargebot.sdk.PhoneTakenException,          io.chargebot.sdk.AlreadyExistsException",
        "EMAIL_TAKEN,           ALREADY_EXISTS,      io.chargebot.sdk.EmailTakenException,          io.chargebot.sdk.AlreadyExistsException",
        "VERIFICATION_FAILED,   FAILED_PRECONDITION, io.chargebot.sdk.VerificationFailedException,  io.chargebot.sdk.FailedPreconditionException",
        "SIGN_IN_FAILED,        UNAUTHENTICATED,     io.chargebot.sdk.SignInFailedException,        io.chargebot.sdk.UnauthenticatedException",
        "PASSWORD_POLICY,       INVALID_ARGUMENT,    io.chargebot.sdk.PasswordPolicyException,      io.chargebot.sdk.InvalidArgumentException",
        "RATE_LIMITED,          RESOURCE_EXHAUSTED,  io.chargebot.sdk.RateLimitedException,         io.chargebot.sdk.ResourceExhaustedException",
        "REFRESH_TOKEN_INVALID, UNAUTHENTICATED,     io.chargebot.sdk.RefreshTokenInvalidException, io.chargebot.sdk.SessionExpiredException",
        "LICENSE_REJECTED,      FAILED_PRECONDITION, io.chargebot.sdk.LicenseRejectedException,     io.chargebot.sdk.FailedPreconditionException",
        "PROVIDER_UNAVAILABLE,  UNAVAILABLE,         io.chargebot.sdk.ProviderUnavailableException, io.chargebot.sdk.UnavailableException",
        "UNAUTHENTICATED,       UNAUTHENTICATED,     io.chargebot.sdk.UnauthenticatedException,     io.chargebot.sdk.ChargeBotException",
        "VALIDATION_FAILED,     INVALID_ARGUMENT,    io.chargebot.sdk.InvalidArgumentException,     io.chargebot.sdk.ChargeBotException",
        "MESSAGE_SEND_FAILED,   UNAVAILABLE,         io.chargebot.sdk.UnavailableException,         io.chargebot.sdk.ChargeBotException",
        "RESERVATION_CONFLICT,  ALREADY_EXISTS,      io.chargebot.sdk.ReservationConflictException, io.chargebot.sdk.AlreadyExistsException",
        "RESOURCE_EXISTS,       ALREADY_EXISTS,      io.chargebot.sdk.AlreadyExistsException,       io.chargebot.sdk.ChargeBotException",
        "FAILED_PRECONDITION,   FAILED_PRECONDITION, io.chargebot.sdk.FailedPreconditionException,  io.chargebot.sdk.ChargeBotException",
    })
    void eachAccountReasonHasItsExceptionUnderTheCodesOne(String reason, Status.Code code, Class<?> expected,
                                                          Class<?> codeLevel) {
        service.onGet = request -> {
            throw RichErrors.error(code, "Fake " + reason,
                    ErrorInfo.newBuilder().setReason(reason).setDomain("chargebot.io").build());
        };

        ChargeBotException e = catchThrowableOfType(ChargeBotException.class,
                () -> fixture.client().parking().getParkingLot(LOT));

        assertThat(e).isExactlyInstanceOf(expected).isInstanceOf(codeLevel);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.reasonName()).isEqualTo(reason);
        assertThat(ChargeBotException.from(RichErrors.error(code, "raw",
                ErrorInfo.newBuilder().setReason(reason).setDomain("chargebot.io").build())))
                .isExactlyInstanceOf(expected);
    }

    @Test
    void aRateLimitCarriesItsRetryDelay() {
        RateLimitedException e = (RateLimitedException) ChargeBotException.from(RichErrors.error(
                Status.Code.RESOURCE_EXHAUSTED, "Too many codes.",
                ErrorInfo.newBuilder().setReason("RATE_LIMITED").setDomain("chargebot.io").build(),
                RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(42)).build()));

        assertThat(e.hasRetryDelay()).isTrue();
        assertThat(e.retryDelayMillis()).isEqualTo(42_000L);
    }

    @Test
    void anyOtherThrowableIsUnknown() {
        ChargeBotException e = ChargeBotException.from(new IllegalStateException("boom"));

        assertThat(e.code()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(e.getCause()).hasMessage("boom");
    }
}
