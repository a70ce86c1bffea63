package io.chargebot.bench;

import io.chargebot.bridge.RobotTopics;
import io.chargebot.bridge.MqttSocketFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Robots → MQTT broker → robot bridge → server → PostgreSQL, against a running platform (its bridge subscribed to
 * {@code --topic-root} on {@code --mqtt-url}) and its database:
 * <ol>
 *   <li>seeds {@code --robots} telemetry robots in one lot and {@code --dispatch-robots} robots with due reservations
 *       in another, by SQL;</li>
 *   <li><b>raw</b>: the same robots publish the same telemetry payloads at QoS 1 to another topic root for
 *       {@code --raw-duration}, read by a plain Paho subscriber: the broker's publish → subscribe rate;</li>
 *   <li><b>warm-up</b>: they publish to the bridge's root for {@code --warmup} (20 s; 0 = none), so the platform's JIT
 *       has compiled the ingest path before it is measured (its rate is printed, not the result);</li>
 *   <li><b>ingest</b>: they go on publishing to the bridge's root for {@code --duration}; stored/s, lost (published −
 *       distinct stored, over warm-up and ingest), duplicated rows, publish → stored latency from the rows' times;</li>
 *   <li><b>dispatch</b>: each dispatch robot reports IDLE (telemetry), waits for its GO_TO_SPOT command on its
 *       {@code commands} topic, acknowledges it, finishes the reservation, drives back for {@code --dispatch-pause}
 *       (200 ms; 0 = back to back, a saturated server) and reports IDLE again, until {@code --dispatch-warmup} (100)
 *       and then {@code --dispatches} commands came: p50/p99 from the IDLE publish to the command's arrival, over the
 *       measured ones. The warm-up dispatches are reported on their own line: the first ones run on code the JIT has
 *       not compiled yet and on pooled connections that have not prepared the dispatch statements (a packet trace put
 *       every dispatch over 50 ms of a session-11 run in the phase's first second, every one over 25 ms in its first
 *       two).</li>
 * </ol>
 * The telemetry robots are {@link MqttPublishers}: a load client on the same 2 cores as the platform must not spend
 * what it measures (50 Paho clients took 0.7-0.8 of a core, a third of it in system calls).
 * Both rate phases are closed loops: at most {@code --raw-window} (500) messages are published and not yet received
 * (raw), at most {@code --window} (1000) not yet stored (ingest; robots.last_sequence polled every 20 ms), so the
 * broker's per-session queue (Mosquitto's max_queued_messages, 1000 by default) does not overflow and the rate is what
 * the consumer sustains. (Mosquitto drops a plain subscriber's messages above that; the raw phase then reports 0.)
 * Those defaults can leave the platform short of work: a full ingest window with idle CPU. With a broker that queues
 * without limit, run-telemetry-benchmark.sh's private Mosquitto, the script passes {@code --window=3000
 * --raw-window=1500}, where a larger window no longer raised either rate (docs/benchmarks.md, session 11).
 */
public final class TelemetryBenchmark {

    private static final String TELEMETRY_LOT = "Telemetry benchmark lot";
    private static final String DISPATCH_LOT = "Dispatch benchmark lot";
    /** Unacknowledged QoS 1 publishes per robot connection (below Mosquitto's and HiveMQ's receive maximum). */
    private static final int INFLIGHT_PER_ROBOT = 10;
    private static final Pattern COMMAND_ID = Pattern.compile("\"commandId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern RESERVATION = Pattern.compile("\"reservation\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ISSUE_TIME = Pattern.compile("\"issueTime\"\\s*:\\s*\"([^\"]+)\"");

    private final String mqttUrl;
    private final String databaseUrl;
    private final RobotTopics topics;
    private final int robots;
    private final Duration duration;
    private final Duration warmup;
    private final Duration rawDuration;
    private final int window;
    private final int rawWindow;
    private final int dispatchRobots;
    private final int dispatches;
    private final int dispatchWarmup;
    private final Duration dispatchPause;
    private final long serverPid;
    private final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private final long sequenceBase = System.currentTimeMillis() * 1000;
    private final StringBuilder report = new StringBuilder();

    private TelemetryBenchmark(Map<String, String> flags) {
        mqttUrl = flags.getOrDefault("mqtt-url", "tcp://127.0.0.1:1883");
        databaseUrl = BenchArgs.required(flags, "database-url");
        topics = new RobotTopics(flags.getOrDefault("topic-root", RobotTopics.DEFAULT_ROOT));
        robots = Integer.parseInt(flags.getOrDefault("robots", "50"));
        duration = Options.duration("duration", flags.getOrDefault("duration", "60s"));
        warmup = Options.duration("warmup", flags.getOrDefault("warmup", "20s"));
        rawDuration = Options.duration("raw-duration", flags.getOrDefault("raw-duration", "20s"));
        window = Integer.parseInt(flags.getOrDefault("window", "1000"));
        rawWindow = Integer.parseInt(flags.getOrDefault("raw-window", "500"));
        dispatchRobots = Integer.parseInt(flags.getOrDefault("dispatch-robots", "10"));
        dispatches = Integer.parseInt(flags.getOrDefault("dispatches", "250"));
        dispatchWarmup = Integer.parseInt(flags.getOrDefault("dispatch-warmup", "100"));
        if (dispatches < 1 || dispatchWarmup < 0) {
            throw new IllegalArgumentException("--dispatches must be at least 1 and --dispatch-warmup at least 0");
        }
        dispatchPause = Options.duration("dispatch-pause", flags.getOrDefault("dispatch-pause", "200ms"));
        serverPid = Long.parseLong(flags.getOrDefault("server-pid", "-1"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = BenchArgs.flags(args);
        TelemetryBenchmark bench = new TelemetryBenchmark(flags);
        int rc = bench.run();
        String results = flags.get("results");
        if (results != null) {
            Files.writeString(Path.of(results), bench.report.toString(), StandardCharsets.UTF_8);
            System.out.println("results: " + results);
        }
        System.exit(rc);
    }

    private void line(String format, Object... args) {
        String s = String.format(Locale.ROOT, format, args);
        System.out.println(s);
        report.append(s).append('\n');
    }

    private int run() throws Exception {
        line("# Telemetry ingestion and dispatch latency (%s)", Instant.now());
        line("");
        line("Broker `%s`, topic root `%s`, %d telemetry robots (QoS 1, at most %d unacknowledged publishes each; the "
                + "benchmark's own MQTT publishers, the raw subscriber and the dispatch robots are Paho), window %d messages; "
                + "%s; load before: `%s`.", mqttUrl, topics.root(), robots, INFLIGHT_PER_ROBOT, window, ProcStats.cpuModel(),
                loadAverage());
        line("");
        String[] keys = seed();
        List<Robot> fleet = new ArrayList<>();
        try (MqttPublishers publishers = new MqttPublishers(mqttUrl)) {
            for (String key : keys) {
                fleet.add(new Robot(key, publishers, sequenceBase + 1));
            }
            // Raw: the same payloads to a root nobody but our subscriber reads.
            RobotTopics rawTopics = new RobotTopics("bench-raw-" + runId + "/" + RobotTopics.DEFAULT_ROOT);
            Phase raw;
            try (RawSubscriber subscriber = new RawSubscriber(rawTopics)) {
                raw = publish("raw", fleet, rawTopics, rawDuration, rawWindow, subscriber.received::get, true);
            }
            line("");
            Phase warm = null;
            Phase ingest;
            try (Connection db = Seeder.connect(databaseUrl); ProgressPoller poller = new ProgressPoller(db)) {
                if (!warmup.isZero()) {
                    // The platform's JIT compiles the ingest path meanwhile (on 2 cores, C2 took ~0.5 of a core for
                    // the first 30 s): its rate is printed, not the result.
                    warm = publish("warm-up (not measured)", fleet, topics, warmup, window, poller.stored::get, true);
                }
                ProcStats.Snapshot before = ProcStats.snapshot(serverPid);
                ingest = publish("ingest", fleet, topics, duration, window, poller.stored::get, warm == null);
                ProcStats.CpuUse cpu = ProcStats.between(before, ProcStats.snapshot(serverPid));
                line("CPU during ingest (cores of %d): platform (server + bridge) %.2f, PostgreSQL %.2f, load client %.2f, "
                        + "other %.2f%s", cpu.cores(), cpu.server(), cpu.postgres(), cpu.client(), cpu.other(),
                        cpu.otherProcessesAbove(0.05).isEmpty() ? "" : " (" + cpu.otherProcessesAbove(0.05) + ")");
            }
            int rc = verify(raw, warm, ingest);
            line("");
            rc |= dispatchPhase();
            line("");
            line("Load after: `%s`.", loadAverage());
            return rc;
        }
    }

    // ------------------------------------------------------------------------------------------ seeding

    /** Creates the two lots, the robots, and for dispatch users, cars, spots and due reservations; returns the keys. */
    private String[] seed() throws SQLException {
        String[] keys = new String[robots];
        try (Connection db = Seeder.connect(databaseUrl); Statement st = db.createStatement()) {
            st.execute("INSERT INTO parking_lots (display_name, latitude, longitude) VALUES ('" + TELEMETRY_LOT
                    + "', 37.5, 127.0), ('" + DISPATCH_LOT + "', 37.51, 127.01)");
            st.execute("INSERT INTO robots (robot_key, lot_id, display_name, enabled, online, state, last_seen_at) "
                    + "SELECT 'bench-t-" + runId + "-' || i, l.id, 'bench ' || i, true, true, 'IDLE', now() "
                    + "FROM parking_lots l, generate_series(1, " + robots + ") i WHERE l.display_name = '" + TELEMETRY_LOT + "'");
            // Dispatch robots come back from a job (RETURNING): their first IDLE report frees them.
            st.execute("INSERT INTO robots (robot_key, lot_id, display_name, enabled, online, state, last_seen_at) "
                    + "SELECT 'bench-d-" + runId + "-' || i, l.id, 'dispatch ' || i, true, true, 'RETURNING', now() "
                    + "FROM parking_lots l, generate_series(1, " + dispatchRobots + ") i WHERE l.display_name = '"
                    + DISPATCH_LOT + "'");
            int reservations = dispatchWarmup + dispatches + dispatchRobots;
            st.execute("INSERT INTO spots (lot_id, floor, code, x_meters, y_meters) SELECT l.id, 'B1', 'S' || i, i, 2 * i "
                    + "FROM parking_lots l, generate_series(1, " + reservations + ") i WHERE l.display_name = '"
                    + DISPATCH_LOT + "'");
            st.execute("INSERT INTO users (login_id, display_name) SELECT 'bench-driver-" + runId + "-' || i, 'driver' "
                    + "FROM generate_series(1, " + reservations + ") i");
            st.execute("INSERT INTO cars (user_id, plate, plate_normalized, connector_type) SELECT u.id, '12가' || (1000 + i), "
                    + "'12가' || (1000 + i), 'DC_COMBO1' FROM generate_series(1, " + reservations + ") i "
                    + "JOIN users u ON u.login_id = 'bench-driver-" + runId + "-' || i");
            // Due now (started a minute ago, a millisecond apart so the dispatch order is defined), each its own spot.
            st.execute("INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period) "
                    + "SELECT c.user_id, c.id, s.id, s.lot_id, c.plate_normalized, "
                    + "tstzrange(now() - interval '1 minute' + i * interval '1 millisecond', now() + interval '3 hours') "
                    + "FROM generate_series(1, " + reservations + ") i "
                    + "JOIN users u ON u.login_id = 'bench-driver-" + runId + "-' || i JOIN cars c ON c.user_id = u.id "
                    + "JOIN spots s ON s.code = 'S' || i JOIN parking_lots l ON l.id = s.lot_id AND l.display_name = '"
                    + DISPATCH_LOT + "'");
            st.execute("ANALYZE");
        }
        for (int i = 0; i < robots; i++) {
            keys[i] = "bench-t-" + runId + "-" + (i + 1);
        }
        return keys;
    }

    // ------------------------------------------------------------------------------------------ rate phases

    /** What one publishing phase did. */
    private record Phase(String name, long published, long failed, double publishSeconds, double drainedSeconds,
                         boolean drained, Instant started) {
        double rate() {
            return (drained ? published : 0) / drainedSeconds;
        }
    }

    /** One robot: an MQTT connection and its sequence counter (shared by all phases). */
    private static final class Robot {
        final String key;
        final MqttPublishers.Connection client;
        final Semaphore inflight = new Semaphore(INFLIGHT_PER_ROBOT);
        long next;

        Robot(String key, MqttPublishers publishers, long next) throws IOException {
            this.key = key;
            this.client = publishers.connect(key);
            this.next = next;
        }
    }

    private static byte[] telemetryJson(long sequence, Instant time, String state) {
        return ("{\"sequence\":\"" + sequence + "\",\"time\":\"" + time + "\",\"state\":\"" + state + "\","
                + "\"position\":{\"floor\":\"B2\",\"xMeters\":12.5,\"yMeters\":40.0,\"headingDegrees\":90},"
                + "\"batteryPercent\":87.5,\"speedMetersPerSecond\":1.2}").getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[] JSON = "application/json".getBytes(StandardCharsets.UTF_8);

    /** A QoS 1 JSON message for the dispatch robots' Paho clients. */
    private static MqttMessage message(byte[] payload) {
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        return new MqttMessage(payload, 1, false, properties);
    }

    /**
     * Every robot publishes as fast as its in-flight limit and the window allow for {@code length}; then waits (up to
     * 120 s, or until it made no progress for 5 s) until {@code consumed} reaches what was published. With
     * {@code fromBase} the robots number from the run's base again (the raw phase and the first phase through the
     * platform); otherwise they go on from the previous phase (the platform stores each sequence once).
     */
    private Phase publish(String name, List<Robot> fleet, RobotTopics to, Duration length, int window,
                          LongSupplier consumed, boolean fromBase)
            throws InterruptedException {
        AtomicLong published = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long consumedBefore = consumed.getAsLong();
        // Raw messages never reach the server, and the progress through the platform is robots.last_sequence above the
        // base, so the raw phase and the first platform phase both number from it.
        if (fromBase) {
            for (Robot r : fleet) {
                r.next = sequenceBase + 1;
            }
        }
        Instant started = Instant.now();
        int threads = Math.min(4, fleet.size());
        long start = System.nanoTime();
        long end = start + length.toNanos();
        CountDownLatch done = new CountDownLatch(threads);
        AtomicLong issued = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread thread = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        boolean any = false;
                        for (int i = first; i < fleet.size(); i += threads) {
                            Robot r = fleet.get(i);
                            byte[] topic = null;
                            // Up to the robot's in-flight limit at once, written with one system call.
                            while (issued.get() - (consumed.getAsLong() - consumedBefore) < window
                                    && r.inflight.tryAcquire()) {
                                if (topic == null) {
                                    topic = to.topic(r.key, RobotTopics.Kind.TELEMETRY).getBytes(StandardCharsets.UTF_8);
                                }
                                byte[] payload = telemetryJson(r.next++, Instant.now(), "ROBOT_STATE_MOVING");
                                issued.incrementAndGet();
                                try {
                                    r.client.publish(topic, JSON, payload, accepted -> {
                                        (accepted ? published : failed).incrementAndGet();
                                        r.inflight.release();
                                    });
                                    any = true;
                                } catch (IOException e) {
                                    failed.incrementAndGet();
                                    r.inflight.release();
                                    break;
                                }
                            }
                            if (topic != null) {
                                try {
                                    r.client.flush(); // a failure completes the robot's waiting publishes as failed
                                } catch (IOException e) {
                                    System.err.println(r.key + ": " + e);
                                }
                            }
                        }
                        if (!any) {
                            LockSupport.parkNanos(100_000);
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "publisher-" + t);
            thread.start();
        }
        done.await();
        // Wait for every publish to be acknowledged by the broker, then for the consumer to catch up.
        long ackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (published.get() + failed.get() < issued.get() && System.nanoTime() < ackDeadline) {
            Thread.sleep(5);
        }
        double publishSeconds = (System.nanoTime() - start) / 1e9;
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long lastSeen = consumed.getAsLong();
        long lastProgress = System.nanoTime();
        while (consumed.getAsLong() - consumedBefore < published.get() && System.nanoTime() < drainDeadline
                && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(2);
            if (consumed.getAsLong() != lastSeen) {
                lastSeen = consumed.getAsLong();
                lastProgress = System.nanoTime();
            }
        }
        boolean drained = consumed.getAsLong() - consumedBefore >= published.get();
        double drainedSeconds = (System.nanoTime() - start) / 1e9;
        Phase phase = new Phase(name, published.get(), failed.get(), publishSeconds, drainedSeconds, drained, started);
        line("%s: %,d published (%,d failed) in %.1f s, window %d, %s after %.1f s: **%,.0f msg/s**; load `%s`", name,
                phase.published(), phase.failed(), publishSeconds, window, drained ? "all consumed"
                        : "only " + (consumed.getAsLong() - consumedBefore) + " consumed", drainedSeconds, phase.rate(),
                loadAverage());
        return phase;
    }

    /** The plain subscriber of the raw phase (auto-acknowledged QoS 1). */
    private final class RawSubscriber implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        final MqttAsyncClient client;

        RawSubscriber(RobotTopics rawTopics) throws MqttException {
            client = connect("bench-raw-sub-" + runId, onMessage((topic, message) -> received.incrementAndGet()));
            client.subscribe(rawTopics.allFilter(), 1).waitForCompletion(30_000);
        }

        @Override
        public void close() {
            disconnect(client);
        }
    }

    /** Stored telemetry of the benchmark robots, from robots.last_sequence every 20 ms (cheap: one row per robot). */
    private final class ProgressPoller implements AutoCloseable {
        final AtomicLong stored = new AtomicLong();
        private final Thread thread;
        private volatile boolean stop;

        ProgressPoller(Connection db) throws SQLException {
            PreparedStatement ps = db.prepareStatement("SELECT coalesce(sum(greatest(last_sequence - ?, 0)), 0) FROM robots "
                    + "WHERE robot_key LIKE ?");
            ps.setLong(1, sequenceBase);
            ps.setString(2, "bench-t-" + runId + "-%");
            thread = new Thread(() -> {
                while (!stop) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        stored.set(rs.getLong(1));
                        Thread.sleep(20);
                    } catch (SQLException | InterruptedException e) {
                        if (!stop) {
                            System.err.println("progress poll: " + e);
                        }
                        return;
                    }
                }
            }, "progress-poller");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }

    /**
     * Lost and duplicated (over the warm-up and ingest phases), latency and span of the ingest phase from the database;
     * 1 when anything was lost or doubled.
     */
    private int verify(Phase raw, Phase warm, Phase ingest) throws SQLException {
        long published = ingest.published() + (warm == null ? 0 : warm.published());
        long failed = ingest.failed() + (warm == null ? 0 : warm.failed());
        try (Connection db = Seeder.connect(databaseUrl); Statement st = db.createStatement()) {
            String robotsOfRun = "(SELECT id FROM robots WHERE robot_key LIKE 'bench-t-" + runId + "-%')";
            String rows = "FROM robot_logs WHERE kind = 'TELEMETRY' AND robot_id IN " + robotsOfRun;
            long count;
            long distinct;
            double spanSeconds;
            double p50;
            double p99;
            double max;
            long ingestRows;
            String ofIngest = " FILTER (WHERE recorded_at >= '" + ingest.started() + "')";
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT (robot_id, sequence)), "
                    + "extract(epoch FROM max(received_at)" + ofIngest + " - min(received_at)" + ofIngest + "), "
                    + "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - recorded_at))" + ofIngest
                    + ", percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - recorded_at))"
                    + ofIngest + ", max(extract(epoch FROM received_at - recorded_at))" + ofIngest + ", count(*)" + ofIngest
                    + " " + rows)) {
                rs.next();
                count = rs.getLong(1);
                distinct = rs.getLong(2);
                spanSeconds = rs.getDouble(3);
                p50 = rs.getDouble(4) * 1000;
                p99 = rs.getDouble(5) * 1000;
                max = rs.getDouble(6) * 1000;
                ingestRows = rs.getLong(7);
            }
            long keys;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM robot_message_keys WHERE robot_id IN " + robotsOfRun)) {
                rs.next();
                keys = rs.getLong(1);
            }
            long lost = published - distinct;
            long duplicated = count - distinct;
            line("");
            line("| | value |");
            line("|---|---|");
            line("| raw broker rate (publish → plain subscriber) | %,.0f msg/s (%,d messages) |", raw.rate(), raw.published());
            line("| stored (publish → bridge → server → PostgreSQL) | **%,.0f msg/s** (%,d rows; %,.0f msg/s over the rows' "
                    + "received_at span) |", ingest.rate(), ingestRows, spanSeconds > 0 ? ingestRows / spanSeconds : 0);
            line("| stored / raw | %.2f |", ingest.rate() / raw.rate());
            line("| published (acknowledged by the broker%s) | %,d (%,d failed) |", warm == null ? ""
                    : ", warm-up and ingest", published, failed);
            line("| lost (published − distinct stored%s) | **%,d** |", warm == null ? "" : ", warm-up and ingest", lost);
            line("| duplicated rows (rows − distinct (robot, sequence)) | **%,d** (dedup keys: %,d) |", duplicated, keys);
            line("| publish → stored latency of the ingest phase (recorded_at → received_at) | p50 %.1f ms, p99 %.1f ms, max %.1f ms |", p50, p99,
                    max);
            line("");
            line("Latency is queueing-dominated in a closed loop at saturation: a message waits behind up to %d others.",
                    window);
            return lost == 0 && duplicated == 0 && ingest.drained() && (warm == null || warm.drained()) ? 0 : 1;
        }
    }

    // ------------------------------------------------------------------------------------------ dispatch

    /**
     * Which dispatches of the phase are measured: the robots draw tickets in order, the first {@link #dispatchWarmup}
     * go to the warm-up's histograms, the next {@link #dispatches} to the measured ones.
     */
    private final class DispatchTally {
        final AtomicLong tickets = new AtomicLong();
        final Histogram warm = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final Histogram measured = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final Histogram back = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final AtomicLong timeouts = new AtomicLong();
        /** When the first measured ticket was drawn (the breakdown looks at IDLE reports from then on). */
        volatile Instant measuredFrom;

        /** The histogram of the next dispatch, or null when all were drawn. */
        Histogram next() {
            long ticket = tickets.getAndIncrement();
            if (ticket >= dispatchWarmup + dispatches) {
                return null;
            }
            if (ticket == dispatchWarmup) {
                measuredFrom = Instant.now();
            }
            return ticket < dispatchWarmup ? warm : measured;
        }

        void record(Histogram histogram, long micros) {
            synchronized (histogram) {
                histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
            }
        }
    }

    private int dispatchPhase() throws Exception {
        List<DispatchRobot> fleet = new ArrayList<>();
        DispatchTally tally = new DispatchTally();
        try {
            for (int i = 1; i <= dispatchRobots; i++) {
                fleet.add(new DispatchRobot("bench-d-" + runId + "-" + i));
            }
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (DispatchRobot r : fleet) {
                Thread t = new Thread(() -> r.cycle(tally), "dispatch-" + r.key);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            synchronized (tally.warm) {
                if (dispatchWarmup > 0) {
                    line("dispatch warm-up (not measured): the first %,d dispatches (the JIT compiling the dispatch path, "
                                    + "pooled connections preparing its statements): p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                            tally.warm.getTotalCount(), tally.warm.getValueAtPercentile(50) / 1000.0,
                            tally.warm.getValueAtPercentile(99) / 1000.0, tally.warm.getMaxValue() / 1000.0);
                }
            }
            synchronized (tally.measured) {
                Histogram h = tally.measured;
                line("dispatch: %d robots (%d ms back to base), %,d dispatches after the warm-up, %.1f s in all (%d timed "
                                + "out): robot free (IDLE published) → GO_TO_SPOT received on its commands topic: **p50 %.1f ms, "
                                + "p99 %.1f ms**, max %.1f ms; load `%s`",
                        dispatchRobots, dispatchPause.toMillis(), h.getTotalCount(), seconds, tally.timeouts.get(),
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
                        loadAverage());
            }
            synchronized (tally.back) {
                line("dispatch, the way back: command issued (its issueTime, the dispatch transaction's clock) → received "
                        + "by the robot (server → bridge → broker → robot, with the commit): p50 %.1f ms, p99 %.1f ms",
                        tally.back.getValueAtPercentile(50) / 1000.0, tally.back.getValueAtPercentile(99) / 1000.0);
            }
            breakdown(tally.measuredFrom);
            return tally.timeouts.get() == 0 ? 0 : 1;
        } finally {
            for (DispatchRobot r : fleet) {
                r.close();
            }
        }
    }

    /**
     * Where the dispatch time goes, from the timestamps stored: the freeing IDLE report's recorded_at (the robot's
     * clock when it published, this machine's), its received_at (the server's ingest transaction) and the command's
     * created_at (the dispatch in that transaction); the rest is the commit and the way back: server → bridge → broker →
     * robot. Over the IDLE reports published from {@code from} on (the measured dispatches; all when null).
     */
    private void breakdown(Instant from) throws SQLException {
        try (Connection db = Seeder.connect(databaseUrl);
             PreparedStatement ps = db.prepareStatement("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a), "
                     + "percentile_cont(0.99) WITHIN GROUP (ORDER BY a), percentile_cont(0.5) WITHIN GROUP (ORDER BY b), "
                     + "percentile_cont(0.99) WITHIN GROUP (ORDER BY b) FROM (SELECT "
                     + "1000 * extract(epoch FROM t.received_at - t.recorded_at) AS a, "
                     + "1000 * extract(epoch FROM c.created_at - t.received_at) AS b FROM robot_commands c "
                     + "JOIN robots r ON r.id = c.robot_id AND r.robot_key LIKE 'bench-d-" + runId + "-%' "
                     + "JOIN LATERAL (SELECT l.recorded_at, l.received_at FROM robot_logs l WHERE l.robot_id = c.robot_id "
                     + "AND l.kind = 'TELEMETRY' AND l.state = 'IDLE' AND l.received_at <= c.created_at "
                     + "ORDER BY l.received_at DESC LIMIT 1) t ON true WHERE c.kind = 'GO_TO_SPOT' AND t.recorded_at >= ?) x")) {
            ps.setTimestamp(1, Timestamp.from(from != null ? from : Instant.EPOCH));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                line("dispatch breakdown (stored timestamps, measured dispatches): IDLE published → its ingest transaction "
                        + "(robot → broker → bridge → server) p50 %.1f ms, p99 %.1f ms; ingest transaction → dispatch in it "
                        + "p50 %.1f ms, p99 %.1f ms; the rest of the total is the commit and server → bridge → broker → robot",
                        rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4));
            }
        }
    }

    /** A robot that takes GO_TO_SPOT commands and finishes them at once. */
    private final class DispatchRobot implements AutoCloseable {
        final String key;
        final MqttAsyncClient client;
        /** A command's JSON and when it arrived. */
        record Received(String json, Instant at) {}

        final BlockingQueue<Received> commands = new ArrayBlockingQueue<>(100);
        long next = sequenceBase + 1;

        DispatchRobot(String key) throws MqttException {
            this.key = key;
            client = connect(key, onMessage((topic, message) ->
                    commands.offer(new Received(new String(message.getPayload(), StandardCharsets.UTF_8), Instant.now()))));
            client.subscribe(topics.topic(key, RobotTopics.Kind.COMMANDS), 1).waitForCompletion(30_000);
        }

        private void send(RobotTopics.Kind kind, String json) throws MqttException {
            client.publish(topics.topic(key, kind), message(json.getBytes(StandardCharsets.UTF_8))).waitForCompletion(30_000);
        }

        private void event(String type, String field, String value) throws MqttException {
            send(RobotTopics.Kind.EVENTS, "{\"sequence\":\"" + (next++) + "\",\"time\":\"" + Instant.now() + "\",\"type\":\""
                    + type + "\",\"" + field + "\":\"" + value + "\"" + (type.endsWith("FINISHED") ? ",\"energyDeliveredKwh\":1.5" : "")
                    + "}");
        }

        void cycle(DispatchTally tally) {
            try {
                Histogram histogram;
                while ((histogram = tally.next()) != null) {
                    long t0 = System.nanoTime();
                    client.publish(topics.topic(key, RobotTopics.Kind.TELEMETRY),
                            message(telemetryJson(next++, Instant.now(), "ROBOT_STATE_IDLE")));
                    String command = null;
                    Instant received = null;
                    while (command == null) {
                        Received c = commands.poll(30, TimeUnit.SECONDS);
                        if (c == null) {
                            break;
                        }
                        Matcher type = TYPE.matcher(c.json());
                        if (type.find() && type.group(1).equals("COMMAND_TYPE_GO_TO_SPOT")) {
                            command = c.json();
                            received = c.at();
                        }
                    }
                    if (command == null) {
                        tally.timeouts.incrementAndGet();
                        System.err.println(key + ": no command within 30 s");
                        return;
                    }
                    tally.record(histogram, (System.nanoTime() - t0) / 1000);
                    Matcher issued = ISSUE_TIME.matcher(command);
                    if (histogram == tally.measured && issued.find()) {
                        tally.record(tally.back, Math.max(0, ChronoUnit.MICROS.between(Instant.parse(issued.group(1)), received)));
                    }
                    Matcher id = COMMAND_ID.matcher(command);
                    Matcher reservation = RESERVATION.matcher(command);
                    if (!id.find() || !reservation.find()) {
                        throw new IllegalStateException("unexpected command " + command);
                    }
                    event("ROBOT_EVENT_TYPE_COMMAND_ACK", "commandId", id.group(1));
                    send(RobotTopics.Kind.TELEMETRY, new String(telemetryJson(next++, Instant.now(), "ROBOT_STATE_MOVING"),
                            StandardCharsets.UTF_8));
                    event("ROBOT_EVENT_TYPE_CHARGING_FINISHED", "reservation", reservation.group(1));
                    // Driving back to base; the server applies messages in order, and the next IDLE frees the robot.
                    Thread.sleep(dispatchPause.toMillis());
                }
            } catch (MqttException | InterruptedException | RuntimeException e) {
                tally.timeouts.incrementAndGet();
                System.err.println(key + ": " + e);
            }
        }

        @Override
        public void close() {
            disconnect(client);
        }
    }

    /** A clean-start MQTT v5 connection (TCP_NODELAY, receive maximum 1000) with {@code callback}, or none. */
    private MqttAsyncClient connect(String clientId, MqttCallback callback) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(mqttUrl, clientId, new MemoryPersistence());
        if (callback != null) {
            client.setCallback(callback);
        }
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setReceiveMaximum(1000);
        options.setSocketFactory(new MqttSocketFactory());
        client.connect(options).waitForCompletion(30_000);
        return client;
    }

    private static void disconnect(MqttAsyncClient client) {
        try {
            client.disconnect().waitForCompletion(5000);
            client.close();
        } catch (MqttException e) {
            // best effort
        }
    }

    /** A Paho callback that hands arriving messages to {@code handler} and reports a lost connection. */
    private static MqttCallback onMessage(BiConsumer<String, MqttMessage> handler) {
        return new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                System.err.println("MQTT connection lost: " + response);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                handler.accept(topic, message);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        };
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
