package io.chargebot.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Builds server errors the way the ChargeBot server sends them: a google.rpc.Status in the trailers. */
final class RichErrors {

    private RichErrors() {}

    static StatusRuntimeException error(Status.Code code, String message, MessageLite... details) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message);
        for (MessageLite detail : details) {
            status.addDetails(pack(detail));
        }
        Metadata trailers = new Metadata();
        trailers.put(ErrorDetails.STATUS_DETAILS_KEY, status.build());
        return Status.fromCode(code).withDescription(message).asRuntimeException(trailers);
    }

    /** Lite messages have no Any.pack: the type URL is written by hand, as a server does. */
    static Any pack(MessageLite message) {
        String typeName = message instanceof com.google.rpc.ErrorInfo ? "google.rpc.ErrorInfo"
                : message instanceof com.google.rpc.BadRequest ? "google.rpc.BadRequest"
                : message instanceof com.google.rpc.RetryInfo ? "google.rpc.RetryInfo"
                : message instanceof com.google.rpc.DebugInfo ? "google.rpc.DebugInfo"
                : message instanceof com.google.rpc.PreconditionFailure ? "google.rpc.PreconditionFailure"
                : message instanceof io.chargebot.reservation.v1.ReservationConflict
                        ? "chargebot.reservation.v1.ReservationConflict"
                : null;
        if (typeName == null) {
            throw new IllegalArgumentException("unsupported detail: " + message.getClass());
        }
        return Any.newBuilder()
                .setTypeUrl("type.googleapis.com/" + typeName)
                .setValue(message.toByteString())
                .build();
    }
}
