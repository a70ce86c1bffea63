package io.chargebot.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** {@link BlockingCalls#resume}: work bound on the call's thread runs later, elsewhere, as part of that call. */
class BlockingCallsTest {

    private static final Context.Key<String> CALLER = Context.key("caller");

    /** Records how a call ended. */
    private static final class Ending implements StreamObserver<Object> {
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void onNext(Object value) {}

        @Override
        public void onError(Throwable t) {
            errors.add(t);
        }

        @Override
        public void onCompleted() {}
    }

    @Test
    void boundWorkRunsOnAnotherThreadInTheCallsContextWithItsCorrelationId() throws Exception {
        AtomicReference<String> caller = new AtomicReference<>();
        AtomicReference<String> correlationId = new AtomicReference<>();
        Context call = Context.current().withValues(CALLER, "driver-1", RequestInterceptor.CORRELATION_ID, "corr-42");
        Runnable work = call.call(() -> BlockingCalls.resume(new Ending(), () -> {
            caller.set(CALLER.get());
            correlationId.set(MDC.get(RequestInterceptor.MDC_KEY));
        }));
        // Bound outside the call's thread, nothing of the call would be there.
        Thread elsewhere = new Thread(work);
        elsewhere.start();
        elsewhere.join();

        assertThat(caller.get()).isEqualTo("driver-1");
        assertThat(correlationId.get()).isEqualTo("corr-42");
    }

    @Test
    void aFailureOfTheWorkEndsTheCallThroughTheObserverAndLeavesNoCorrelationIdBehind() throws Exception {
        Ending ending = new Ending();
        ApiException failure = ApiException.invalid("spot", "is out of service");
        Runnable work = Context.current().withValue(RequestInterceptor.CORRELATION_ID, "corr-7")
                .call(() -> BlockingCalls.resume(ending, () -> {
                    throw failure;
                }));
        AtomicReference<String> after = new AtomicReference<>("unset");
        Thread elsewhere = new Thread(() -> {
            work.run();
            after.set(MDC.get(RequestInterceptor.MDC_KEY));
        });
        elsewhere.start();
        elsewhere.join();

        assertThat(ending.errors).containsExactly(failure);
        assertThat(after.get()).isNull();
    }
}
