package io.chargebot.sdk;

import io.chargebot.common.v1.ErrorReason;
import io.grpc.Status;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place that decides which {@link ChargeBotException} a failed call becomes.
 *
 * <p>An exception for an {@link ErrorReason} and the request field it is about (e.g.
 * {@code RESOURCE_EXISTS} on {@code car.plate}) wins over one for the reason alone, which wins over
 * one for a status code; anything else is a plain {@link ChargeBotException}. A new exception is
 * a class plus one line in the tables below. A call that failed because the client's automatic
 * token refresh ended the session (marked by {@link SessionEnded}) becomes a
 * {@link SessionExpiredException}.
 */
final class ErrorMapper {

    /** Creates the exception for a failed call. */
    interface Factory {
        ChargeBotException create(ErrorDetails details);
    }

    /** Exceptions for a reason about one request field (its {@code BadRequest} violation); they win over BY_REASON. */
    private static final Map<ErrorReason, Map<String, Factory>> BY_REASON_AND_FIELD = new EnumMap<>(ErrorReason.class);
    private static final Map<ErrorReason, Factory> BY_REASON = new EnumMap<>(ErrorReason.class);
    private static final Map<Status.Code, Factory> BY_CODE = new EnumMap<>(Status.Code.class);

    static {
        // By reason, for errors an app handles specifically. Each class extends the exception of
        // the reason's status code (see error_reason.proto), so catching by code still works.
        BY_REASON.put(ErrorReason.LOGIN_ID_TAKEN, LoginIdTakenException::new);
        BY_REASON.put(ErrorReason.PHONE_TAKEN, PhoneTakenException::new);
        BY_REASON.put(ErrorReason.EMAIL_TAKEN, EmailTakenException::new);
        BY_REASON.put(ErrorReason.VERIFICATION_FAILED, VerificationFailedException::new);
        BY_REASON.put(ErrorReason.SIGN_IN_FAILED, SignInFailedException::new);
        BY_REASON.put(ErrorReason.PASSWORD_POLICY, PasswordPolicyException::new);
        BY_REASON.put(ErrorReason.RATE_LIMITED, RateLimitedException::new);
        BY_REASON.put(ErrorReason.REFRESH_TOKEN_INVALID, RefreshTokenInvalidException::new);
        BY_REASON.put(ErrorReason.LICENSE_REJECTED, LicenseRejectedException::new);
        BY_REASON.put(ErrorReason.PROVIDER_UNAVAILABLE, ProviderUnavailableException::new);
        BY_REASON.put(ErrorReason.RESERVATION_CONFLICT, ReservationConflictException::new);

        // By reason and field: a generic reason (RESOURCE_EXISTS) that an app handles per field.
        Map<String, Factory> exists = new HashMap<>();
        exists.put("car.plate", PlateTakenException::new);
        BY_REASON_AND_FIELD.put(ErrorReason.RESOURCE_EXISTS, exists);

        BY_CODE.put(Status.Code.INVALID_ARGUMENT, InvalidArgumentException::new);
        BY_CODE.put(Status.Code.NOT_FOUND, NotFoundException::new);
        BY_CODE.put(Status.Code.ALREADY_EXISTS, AlreadyExistsException::new);
        BY_CODE.put(Status.Code.UNAUTHENTICATED, UnauthenticatedException::new);
        BY_CODE.put(Status.Code.PERMISSION_DENIED, PermissionDeniedException::new);
        BY_CODE.put(Status.Code.UNAVAILABLE, UnavailableException::new);
        BY_CODE.put(Status.Code.DEADLINE_EXCEEDED, DeadlineExceededException::new);
        BY_CODE.put(Status.Code.FAILED_PRECONDITION, FailedPreconditionException::new);
        BY_CODE.put(Status.Code.RESOURCE_EXHAUSTED, ResourceExhaustedException::new);
    }

    private ErrorMapper() {}

    /** Returns the typed exception for a failed call ({@code StatusRuntimeException} or {@code StatusException}). */
    static ChargeBotException map(Throwable t) {
        if (t instanceof ChargeBotException) {
            return (ChargeBotException) t;
        }
        ErrorDetails details = ErrorDetails.from(t);
        if (SessionEnded.in(t) && details.reason != ErrorReason.REFRESH_TOKEN_INVALID) {
            // The client's automatic refresh failed with UNAUTHENTICATED and cleared the tokens.
            return new SessionExpiredException(details);
        }
        Factory factory = null;
        Map<String, Factory> byField = BY_REASON_AND_FIELD.get(details.reason);
        if (byField != null) {
            for (FieldViolation violation : details.fieldViolations) {
                factory = byField.get(violation.field());
                if (factory != null) {
                    break;
                }
            }
        }
        if (factory == null) {
            factory = BY_REASON.get(details.reason);
        }
        if (factory == null) {
            factory = BY_CODE.get(details.status.getCode());
        }
        return factory == null ? new ChargeBotException(details) : factory.create(details);
    }
}
