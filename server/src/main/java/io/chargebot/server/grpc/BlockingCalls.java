package io.chargebot.server.grpc;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import org.slf4j.MDC;

/**
 * For calls that do not hold a thread while they wait ({@link NonBlocking} RPCs, bookings waiting for their batch):
 * continues a call on the {@code io} executor when it needs work that may block (an outside service, a database
 * fallback), or on whichever thread completes what it waited for, with the call's gRPC context (deadline,
 * cancellation, caller, correlation id). A failure of {@code work} ends the call through the observer, and
 * {@code RequestInterceptor} maps it as it maps one thrown by a handler.
 */
@Singleton
public final class BlockingCalls {

    private final ExecutorService io;

    BlockingCalls(@Named(TaskExecutors.IO) ExecutorService io) {
        this.io = io;
    }

    /** Runs {@code work} (which answers through {@code observer}) on the {@code io} executor. */
    public void run(StreamObserver<?> observer, Runnable work) {
        io.execute(resume(observer, work));
    }

    /**
     * {@code work} (which answers through {@code observer}) bound to the current call, to run later on
     * another thread, e.g. the one that completes a future the call waits for: it runs in the call's
     * gRPC context with its correlation id in the MDC, and a failure ends the call through {@code observer}.
     */
    public static Runnable resume(StreamObserver<?> observer, Runnable work) {
        return Context.current().wrap(() -> {
            String correlationId = RequestInterceptor.CORRELATION_ID.get();
            if (correlationId != null) {
                MDC.put(RequestInterceptor.MDC_KEY, correlationId);
            }
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                try {
                    observer.onError(e);
                } catch (RuntimeException ended) {
                    // The call had already ended (cancelled by the client, or past its deadline).
                }
            } finally {
                MDC.remove(RequestInterceptor.MDC_KEY);
            }
        });
    }
}
