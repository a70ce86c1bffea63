package io.chargebot.server;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the server's own background executors: daemon threads (they never keep the
 * JVM alive; each owner shuts its executor down in its {@code @PreDestroy}) with a name that shows in
 * thread dumps, profiles and log lines.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Every thread named {@code name} (for single-thread executors). */
    public static ThreadFactory named(String name) {
        return r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Threads named {@code prefix1}, {@code prefix2}, … (for pools). */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> named(prefix + n.incrementAndGet()).newThread(r);
    }
}
