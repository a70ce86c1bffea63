package io.chargebot.sdk;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/** Helpers of the fake services. */
final class Fakes {

    private Fakes() {}

    /** Answers a unary call with the handler's result or error. */
    static <Q, R> void answer(Function<Q, R> handler, Q request, StreamObserver<R> out) {
        R response;
        try {
            response = handler.apply(request);
        } catch (RuntimeException e) {
            out.onError(e instanceof StatusRuntimeException ? e : Status.INTERNAL.withCause(e).asRuntimeException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }

    /** An error as the ChargeBot server sends it: code, reason in an ErrorInfo of domain chargebot.io. */
    static StatusRuntimeException error(Status.Code code, String reason) {
        return RichErrors.error(code, reason + " (fake)",
                ErrorInfo.newBuilder().setReason(reason).setDomain("chargebot.io").build());
    }
}
