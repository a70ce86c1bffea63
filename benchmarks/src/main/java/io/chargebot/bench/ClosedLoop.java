package io.chargebot.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load: {@code concurrency} callers, each issuing its next asynchronous call as soon as
 * the previous one completes, for a warm-up and then a measured period. Latencies of calls that start
 * and end inside the measured period are recorded in microseconds (no coordinated-omission correction:
 * in a closed loop the callers wait by design). Each caller has its own histogram; callbacks of one
 * caller never overlap, so no locking is needed on the hot path.
 */
final class ClosedLoop {

    /** One asynchronous call; the implementation reports back exactly once. */
    interface AsyncCall {
        void issue(int callerIndex, Completion completion);
    }

    /** How a call ended. */
    interface Completion {
        /** Success; {@code items} is the number of lots in the reply (0 for the health check). */
        void succeeded(int items);

        void failed(Throwable error);
    }

    /** What one run measured. */
    record Result(String name, int concurrency, double seconds, long calls, long items, long errors,
                  long warmupErrors, String firstError, Histogram histogram) {
        double throughput() {
            return calls / seconds;
        }

        double itemsPerReply() {
            return calls == 0 ? 0 : (double) items / calls;
        }

        /** Latency percentile in milliseconds. */
        double percentileMillis(double percentile) {
            return histogram.getTotalCount() == 0 ? Double.NaN
                    : histogram.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

    private final String name;
    private final AsyncCall call;
    private final int concurrency;
    // Failed calls are re-issued from here, never recursively from the failing thread.
    private final ScheduledExecutorService retrier = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-retrier");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong warmupErrors = new AtomicLong();
    private volatile long measureStartNanos;
    private volatile long measureEndNanos;
    private volatile boolean stopped;
    private CountDownLatch finished;

    ClosedLoop(String name, AsyncCall call, int concurrency) {
        this.name = name;
        this.call = call;
        this.concurrency = concurrency;
    }

    /**
     * Runs the warm-up and the measured period; {@code atMeasureStart}/{@code atMeasureEnd} run at the
     * boundaries of the measured period (CPU sampling).
     */
    Result run(long warmupNanos, long measureNanos, Runnable atMeasureStart, Runnable atMeasureEnd)
            throws InterruptedException {
        long now = System.nanoTime();
        measureStartNanos = now + warmupNanos;
        measureEndNanos = measureStartNanos + measureNanos;
        finished = new CountDownLatch(concurrency);
        List<Caller> callers = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            callers.add(new Caller(i));
        }
        for (Caller caller : callers) {
            caller.next();
        }
        sleepUntil(measureStartNanos);
        atMeasureStart.run();
        sleepUntil(measureEndNanos);
        atMeasureEnd.run();
        // Callers stop by themselves after the measured period; wait for the calls still in flight.
        if (!finished.await(30, TimeUnit.SECONDS)) {
            stopped = true;
            System.err.println("warning: " + finished.getCount() + " calls of run " + name
                    + " still in flight 30 s after the end; abandoned");
        }
        stopped = true;
        retrier.shutdownNow();
        Histogram total = new Histogram(HIGHEST_MICROS, 3);
        long calls = 0;
        long items = 0;
        for (Caller caller : callers) {
            synchronized (caller) {
                total.add(caller.histogram);
                calls += caller.calls;
                items += caller.items;
            }
        }
        double seconds = measureNanos / 1e9;
        return new Result(name, concurrency, seconds, calls, items, errors.get(), warmupErrors.get(),
                firstError.get(), total);
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    private final class Caller implements Completion {
        final int index;
        final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        long calls;
        long items;
        long startNanos;

        Caller(int index) {
            this.index = index;
        }

        void next() {
            long now = System.nanoTime();
            if (stopped || now >= measureEndNanos) {
                finished.countDown();
                return;
            }
            startNanos = now;
            try {
                call.issue(index, this);
            } catch (Throwable e) {
                failed(e);
            }
        }

        @Override
        public void succeeded(int count) {
            long end = System.nanoTime();
            if (startNanos >= measureStartNanos && end <= measureEndNanos) {
                long micros = Math.max(1, (end - startNanos) / 1000);
                synchronized (this) {
                    histogram.recordValue(Math.min(micros, HIGHEST_MICROS));
                    calls++;
                    items += count;
                }
            }
            next();
        }

        @Override
        public void failed(Throwable error) {
            long end = System.nanoTime();
            if (startNanos >= measureStartNanos && end <= measureEndNanos) {
                errors.incrementAndGet();
            } else {
                warmupErrors.incrementAndGet();
            }
            firstError.compareAndSet(null, error.toString());
            try {
                retrier.schedule(this::next, 1, TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) {
                finished.countDown();
            }
        }
    }
}
