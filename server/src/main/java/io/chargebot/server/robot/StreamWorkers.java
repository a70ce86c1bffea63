package io.chargebot.server.robot;

import io.chargebot.server.DaemonThreads;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads that store the bridges' requests ({@link BridgeStream}): requests of different robots run at once, up to
 * {@code chargebot.robots.ingest-threads} transactions for all streams together (each holds a pooled connection).
 */
@Singleton
final class StreamWorkers {

    private final ExecutorService executor;

    StreamWorkers(RobotSettings settings) {
        executor = Executors.newFixedThreadPool(settings.ingestThreads, DaemonThreads.numbered("chargebot-robot-ingest-"));
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    /**
     * No new requests are taken (their streams end UNAVAILABLE, the bridges resend elsewhere); those being stored finish
     * (bounded) while the connection pool is still open: the ShutdownEvent comes before any bean is destroyed.
     */
    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
    }

    @PreDestroy
    void stop() {
        Workers.stop(executor);
    }
}
