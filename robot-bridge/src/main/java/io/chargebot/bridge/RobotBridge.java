package io.chargebot.bridge;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import io.chargebot.api.RobotIds;
import io.chargebot.robot.v1.BridgeHello;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.MalformedMessage;
import io.chargebot.robot.v1.RejectedMessage;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotMessageKey;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.TelemetryBatch;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT v5 ↔ gRPC bridge: robot messages from a shared subscription go to the server over one
 * {@code RobotService/Connect} stream; each MQTT message is acknowledged (manual acks) only when the server's
 * StoredAck names it; commands from the server are published to the robots.
 *
 * <p>Threads: Paho's callback thread decodes and hands messages over; one "bridge loop" thread owns every piece of
 * state (pending messages, the telemetry batch, the stream). Memory is bounded by the broker: the bridge's MQTT
 * Receive Maximum caps unacknowledged messages, and a semaphore of the same size stops reading (back-pressure onto
 * the broker's queue) should a broker ignore it. Both connections reconnect with exponential backoff and jitter;
 * after a new stream is welcomed every unacknowledged message is sent again (the server drops duplicates).
 *
 * <p>Commands: the broker accepts at most its Receive Maximum (CONNACK) unacknowledged QoS 1 publishes from the bridge;
 * commands beyond that window, or arriving while the broker is away, wait in a bounded queue owned by the loop thread
 * and are published in arrival order as publishes complete (Paho's token completion) or the connection returns. A
 * queued command whose expire_time passes is dropped; one arriving at a full queue is dropped (the server re-sends
 * both kinds of unacknowledged command after its re-send interval).
 */
public final class RobotBridge implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RobotBridge.class);
    /** Used when the welcome does not say. */
    static final int DEFAULT_MAX_BATCH = 500;
    /**
     * Telemetry batches on the stream whose messages are not all acknowledged yet. With one batch being stored and one
     * waiting, the server is never idle for telemetry, and telemetry arriving meanwhile collects into the next batch, so
     * batches (and messages per commit) grow with the load instead of every message costing a commit.
     */
    static final int MAX_BATCHES_IN_FLIGHT = 2;
    /**
     * Other requests (events, connection changes, malformed reports: one message each) on the stream and not yet
     * acknowledged. They do not wait for telemetry batches: the server stores requests of different robots at once and
     * those of one robot in arrival order, so an event (or a freeing report in a later batch) of one robot does not
     * queue behind other robots' transactions. Bounded anyway by the server's stream window and the MQTT receive maximum.
     */
    static final int MAX_SINGLES_IN_FLIGHT = 32;
    /** Robots whose last queued state the bridge remembers (a robot it forgot sends its next report on its own). */
    static final int TRACKED_STATES = 100_000;
    private static final String VERSION = "0.1.0";
    /** The bridge's gRPC user agent (recorded by the server with its sessions). */
    public static final String USER_AGENT = "chargebot-robot-bridge/" + VERSION;
    /** MQTT v5's Receive Maximum when the broker's CONNACK does not give one. */
    static final int MQTT_DEFAULT_RECEIVE_MAXIMUM = 65_535;
    /**
     * How long what Paho writes may wait to go out with what follows: a stored batch is hundreds of PUBACKs, written by
     * Paho one flush each (a few µs apart), and the broker then reads them in a few reads instead of one each. Short,
     * because a command waits as long.
     */
    static final Duration PUBACK_GATHERING = Duration.ofNanos(250_000);
    /** Retry delay after Paho refused a publish for its full window while none of the bridge's own was in flight. */
    private static final long COMMAND_RETRY_MILLIS = 100;

    private final BridgeConfig config;
    private final RobotTopics topics;
    private final RobotMessageCodec codec;
    private final Clock clock;
    private final BridgeMetrics metrics = new BridgeMetrics();
    private final RateLimitedLog malformedLog = new RateLimitedLog(Duration.ofSeconds(10));
    private final RateLimitedLog commandQueueFullLog = new RateLimitedLog(Duration.ofSeconds(10));
    private final ScheduledExecutorService loop;
    private final Semaphore permits;
    private final Channel channel;
    private final boolean ownsChannel;
    private final RobotServiceGrpc.RobotServiceStub stub;
    /** The service token source, or null without credentials. */
    private final ServiceTokenCredentials credentials;
    private final MqttAsyncClient mqtt;
    private final MqttConnectionOptions mqttOptions;
    private final Backoff mqttBackoff;
    private final Backoff streamBackoff;
    private final CountDownLatch firstWelcome = new CountDownLatch(1);
    private final CountDownLatch firstMqttConnection = new CountDownLatch(1);
    private volatile boolean closed;
    /** Incremented on every MQTT connection loss; MQTT packet ids of older generations can no longer be acked. */
    private final AtomicLong mqttGeneration = new AtomicLong();
    private volatile boolean mqttConnected;
    private final AtomicBoolean mqttReconnectScheduled = new AtomicBoolean();

    // Owned by the loop thread.
    private final LinkedHashMap<Object, Pending> pending = new LinkedHashMap<>();
    /** Messages waiting to be sent, in arrival order: telemetry collects in {@link Batch}es, others one by one. */
    private final ArrayDeque<Object> outbox = new ArrayDeque<>();
    /** Requests sent on the current stream by id, with how many of their messages are not acknowledged yet. */
    private final HashMap<Long, Integer> unackedBySend = new HashMap<>();
    /** The ids in {@link #unackedBySend} of telemetry batches. */
    private final HashSet<Long> batchesInFlight = new HashSet<>();
    /**
     * The state of each robot's latest telemetry queued, the most recently reporting {@link #TRACKED_STATES} robots.
     * A report with another state (a robot that became free, failed, started charging) is sent at once as a request
     * of its own instead of joining a telemetry batch, so the server acts on it without waiting for the batches ahead.
     */
    private final LinkedHashMap<String, RobotState> queuedStates = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RobotState> eldest) {
            return size() > TRACKED_STATES;
        }
    };
    private long sendIds;
    private ScheduledFuture<?> flushTask;
    private ScheduledFuture<?> ackCheck;
    private ClientCallStreamObserver<ConnectRequest> requests;
    private long streamId;
    private boolean welcomed;
    private int maxBatch = DEFAULT_MAX_BATCH;
    /** Commands waiting for a publish slot or for the broker, in arrival order (at most commandQueueSize). */
    private final ArrayDeque<RobotCommand> commandQueue = new ArrayDeque<>();
    /** Command publishes handed to Paho on MQTT connection {@link #commandGeneration} and not completed yet. */
    private int commandsInFlight;
    private long commandGeneration;
    /** The broker's Receive Maximum: most unacknowledged QoS 1 publishes it takes from the bridge. */
    private int publishWindow = MQTT_DEFAULT_RECEIVE_MAXIMUM;
    private ScheduledFuture<?> commandRetry;

    /** Received messages decoded on Paho's callback thread, for the loop thread ({@link #takeArrivals}). */
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    /** Whether a {@link #takeArrivals} task is queued on the loop and has not started taking. */
    private final AtomicBoolean arrivalsScheduled = new AtomicBoolean();

    /** A received MQTT message as the callback thread hands it to the loop. */
    private record Arrival(String topic, byte[] payload, String contentType, RobotMessageCodec.Decoded decoded,
            MqttRef ref) {
    }

    /** A received MQTT message: which connection it came on, its packet id and QoS. */
    private record MqttRef(long generation, int id, int qos) {
    }

    /** Telemetry collecting for one TelemetryBatch. */
    private static final class Batch {
        final List<Pending> items = new ArrayList<>();
        /** The robots of {@link #items}, kept as items join (drain checks them on every call). */
        final Set<String> robots = new HashSet<>();
        final long openedNanos = System.nanoTime();
    }

    /** Deduplication key of a robot message. */
    private record Key(String robotId, long sequence) {
    }

    /** A message waiting for the server's ack, with every MQTT delivery of it. */
    private static final class Pending {
        final Telemetry telemetry;
        final ConnectRequest request;
        final List<MqttRef> refs = new ArrayList<>(1);
        /** When it was last sent on a stream (System.nanoTime()), 0 if not yet. */
        long sentNanos;
        /** The request it was last sent in on the current stream, 0 if none. */
        long sendId;
        /** In the outbox. */
        boolean queued;
        /** Acknowledged (no longer in {@code pending}). */
        boolean done;

        Pending(Telemetry telemetry, ConnectRequest request) {
            this.telemetry = telemetry;
            this.request = request;
        }
    }

    private RobotBridge(BridgeConfig config, Channel channel, boolean ownsChannel, Clock clock)
            throws MqttException {
        this.config = config;
        this.topics = new RobotTopics(config.topicRoot());
        this.codec = new RobotMessageCodec(topics);
        this.clock = clock;
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-loop-" + config.bridgeId());
            t.setDaemon(true);
            return t;
        });
        this.permits = new Semaphore(config.receiveMaximum());
        RobotServiceGrpc.RobotServiceStub s = RobotServiceGrpc.newStub(channel);
        this.credentials = config.clientId() == null ? null
                : new ServiceTokenCredentials(channel, config.clientId(), config.clientSecret(), clock);
        if (credentials != null) {
            s = s.withCallCredentials(credentials);
        }
        this.stub = s;
        this.mqttBackoff = new Backoff(config.minBackoff(), config.maxBackoff());
        this.streamBackoff = new Backoff(config.minBackoff(), config.maxBackoff());
        this.mqtt = new MqttAsyncClient(config.mqttUrl(), config.mqttClientId(), new MemoryPersistence());
        this.mqtt.setManualAcks(true);
        this.mqtt.setCallback(new Callback());
        this.mqttOptions = new MqttConnectionOptions();
        mqttOptions.setCleanStart(false);
        mqttOptions.setSessionExpiryInterval(config.sessionExpiry().toSeconds());
        mqttOptions.setReceiveMaximum(config.receiveMaximum());
        mqttOptions.setKeepAliveInterval(30);
        mqttOptions.setConnectionTimeout(10);
        mqttOptions.setAutomaticReconnect(false);
        if (config.mqttUsername() != null) {
            mqttOptions.setUserName(config.mqttUsername());
        }
        if (config.mqttPassword() != null) {
            mqttOptions.setPassword(config.mqttPassword().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (config.mqttUrl().startsWith("tcp://")) {
            mqttOptions.setSocketFactory(MqttSocketFactory.gathering(PUBACK_GATHERING));
        }
    }

    /** Starts a bridge with its own channel to {@code config.grpcTarget()}; connects in the background. */
    public static RobotBridge start(BridgeConfig config) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(config.grpcTarget())
                .userAgent(USER_AGENT)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(4 * 1024 * 1024);
        if (!config.grpcTls()) {
            builder.usePlaintext();
        }
        return start(config, builder.build(), true);
    }

    /** Starts a bridge on a given channel (tests: in-process); closing the bridge shuts the channel down if owned. */
    public static RobotBridge start(BridgeConfig config, ManagedChannel channel, boolean ownsChannel) {
        return start(config, (Channel) channel, ownsChannel);
    }

    /**
     * Starts a bridge on a channel its owner closes, such as a server's in-process channel in the same process (the
     * local platform): no socket and no second HTTP/2 hop between the bridge and the server.
     */
    public static RobotBridge start(BridgeConfig config, Channel channel) {
        return start(config, channel, false);
    }

    private static RobotBridge start(BridgeConfig config, Channel channel, boolean ownsChannel) {
        requireNonNull(config, "config");
        try {
            RobotBridge bridge = new RobotBridge(config, channel, ownsChannel, Clock.systemUTC());
            bridge.loop.execute(bridge::openStream);
            bridge.connectMqtt();
            return bridge;
        } catch (MqttException e) {
            throw new IllegalArgumentException("MQTT client: " + e.getMessage(), e);
        }
    }

    public BridgeMetrics metrics() {
        return metrics;
    }

    public BridgeConfig config() {
        return config;
    }

    /** Whether the bridge is connected to the broker and subscribed (for health checks). */
    public boolean isMqttConnected() {
        return mqttConnected;
    }

    /** Waits until the server welcomed a stream and the broker accepted the subscription. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return firstWelcome.await(timeout.toNanos(), TimeUnit.NANOSECONDS)
                && firstMqttConnection.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- MQTT side

    private void connectMqtt() {
        if (closed) {
            return;
        }
        try {
            mqtt.connect(mqttOptions, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int window = brokerReceiveMaximum(token);
                    onLoop(() -> publishWindow = window);
                    subscribe();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    log.warn("MQTT connect to {} failed: {}", config.mqttUrl(), String.valueOf(e));
                    scheduleMqttReconnect();
                }
            });
        } catch (MqttException e) {
            log.warn("MQTT connect to {} failed: {}", config.mqttUrl(), e.toString());
            scheduleMqttReconnect();
        }
    }

    private void subscribe() {
        String filter = "$share/" + config.shareGroup() + "/" + topics.allFilter();
        try {
            mqtt.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)}, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    if (codes != null && codes.length > 0 && codes[0] > 2) {
                        log.error("Broker refused subscription {} (reason code {}); reconnecting", filter, codes[0]);
                        forceMqttReconnect();
                        return;
                    }
                    mqttConnected = true;
                    mqttBackoff.reset();
                    metrics.mqttConnections.incrementAndGet();
                    log.info("MQTT connected to {} as {}, subscribed to {} (receive maximum {})", config.mqttUrl(),
                            config.mqttClientId(), filter, config.receiveMaximum());
                    firstMqttConnection.countDown();
                    onLoop(RobotBridge.this::drainCommands);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    log.error("MQTT subscribe {} failed; reconnecting", filter, e);
                    forceMqttReconnect();
                }
            }, new MqttProperties());
        } catch (MqttException e) {
            log.error("MQTT subscribe {} failed; reconnecting", filter, e);
            forceMqttReconnect();
        }
    }

    /** The broker's Receive Maximum from the CONNACK (MQTT's default when absent). */
    private static int brokerReceiveMaximum(IMqttToken connectToken) {
        MqttProperties properties = connectToken.getResponseProperties();
        Integer max = properties == null ? null : properties.getReceiveMaximum();
        return max == null || max <= 0 ? MQTT_DEFAULT_RECEIVE_MAXIMUM : max;
    }

    private void forceMqttReconnect() {
        try {
            mqtt.disconnectForcibly(0, 1000, false);
        } catch (MqttException e) {
            log.debug("forced disconnect", e);
        }
        onMqttLost();
        scheduleMqttReconnect();
    }

    private void scheduleMqttReconnect() {
        if (closed) {
            return;
        }
        if (!mqttReconnectScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = mqttBackoff.nextDelayMillis();
        log.info("MQTT reconnect in {} ms", delay);
        try {
            loop.schedule(() -> {
                mqttReconnectScheduled.set(false);
                connectMqtt();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            mqttReconnectScheduled.set(false);
        }
    }

    private void onMqttLost() {
        mqttConnected = false;
        long generation = mqttGeneration.incrementAndGet();
        onLoop(() -> dropStaleDeliveries(generation));
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (closed) {
                return;
            }
            log.warn("MQTT connection lost: {}", response);
            onMqttLost();
            scheduleMqttReconnect();
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            log.warn("MQTT error", e);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            long generation = mqttGeneration.get();
            try {
                while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (closed) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (closed) {
                permits.release();
                return;
            }
            metrics.received.incrementAndGet();
            MqttRef ref = new MqttRef(generation, message.getId(), message.getQos());
            byte[] payload = message.getPayload();
            String contentType = message.getProperties() == null ? null : message.getProperties().getContentType();
            RobotMessageCodec.Decoded decoded;
            try {
                decoded = codec.decode(topic, payload, contentType);
            } catch (RuntimeException e) {
                decoded = new RobotMessageCodec.Invalid(topics.robotIdGuess(topic), "cannot decode: " + e);
            }
            arrivals.add(new Arrival(topic, payload, contentType, decoded, ref));
            if (arrivalsScheduled.compareAndSet(false, true)) {
                onLoop(RobotBridge.this::takeArrivals);
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    /**
     * Loop thread: the messages decoded since the last call, in arrival order. Paho's callback thread queues each one
     * and hands the loop a task only when none is pending, so under load one task takes many messages.
     */
    private void takeArrivals() {
        arrivalsScheduled.set(false); // an arrival queued from now on is taken below or schedules another call
        for (Arrival a = arrivals.poll(); a != null; a = arrivals.poll()) {
            onMessage(a.topic(), a.payload(), a.contentType(), a.decoded(), a.ref());
        }
    }

    /** Loop thread: one received MQTT message. */
    private void onMessage(String topic, byte[] payload, String contentType, RobotMessageCodec.Decoded decoded,
            MqttRef ref) {
        if (decoded instanceof RobotMessageCodec.Ignore) {
            ackMqtt(ref);
            return;
        }
        if (decoded instanceof RobotMessageCodec.Invalid invalid) {
            metrics.malformed.incrementAndGet();
            long suppressed = malformedLog.tryLog();
            if (suppressed >= 0) {
                log.warn("Malformed MQTT message on {} ({} bytes): {}{}", RobotMessageCodec.truncate(topic, 256),
                        payload.length, invalid.error(),
                        suppressed > 0 ? " (" + suppressed + " more since the last report)" : "");
            }
            String reportId = UUID.randomUUID().toString();
            MalformedMessage report = MalformedMessage.newBuilder()
                    .setReportId(reportId)
                    .setTopic(RobotMessageCodec.truncate(topic, 256))
                    .setRobotId(invalid.robotId())
                    .setPayload(ByteString.copyFrom(payload, 0,
                            Math.min(payload.length, RobotMessageCodec.MAX_PAYLOAD_BYTES)))
                    .setPayloadSize(payload.length)
                    .setContentType(contentType == null ? "" : RobotMessageCodec.truncate(contentType, 256))
                    .setError(RobotMessageCodec.truncate(invalid.error(), 500))
                    .setReceiveTime(Timestamps.fromMillis(clock.millis()))
                    .build();
            Pending p = new Pending(null, ConnectRequest.newBuilder().setMalformed(report).build());
            p.refs.add(ref);
            pending.put(reportId, p);
            if (welcomed) {
                enqueue(p);
            }
            return;
        }
        RobotMessageCodec.Forward forward = (RobotMessageCodec.Forward) decoded;
        Key key = new Key(forward.robotId(), forward.sequence());
        Pending existing = pending.get(key);
        if (existing != null) {
            // The same robot message again (robot re-publish or broker re-delivery) while the first is in flight.
            metrics.duplicatesInFlight.incrementAndGet();
            existing.refs.add(ref);
            return;
        }
        Pending p = forward.kind() == RobotTopics.Kind.TELEMETRY
                ? new Pending((Telemetry) forward.message(), null)
                : new Pending(null, forward.toRequest());
        p.refs.add(ref);
        pending.put(key, p);
        if (welcomed) {
            enqueue(p);
        }
    }

    /** Loop thread: queues one pending message for the welcomed stream and sends what the pipeline allows. */
    private void enqueue(Pending p) {
        if (p.queued || p.done) {
            return;
        }
        p.queued = true;
        if (p.telemetry != null && !stateChange(p.telemetry)) {
            Batch open = outbox.peekLast() instanceof Batch b && b.items.size() < maxBatch ? b : null;
            if (open == null) {
                open = new Batch();
                outbox.addLast(open);
            }
            open.items.add(p);
            open.robots.add(p.telemetry.getRobotId());
        } else {
            outbox.addLast(p);
        }
        drain();
    }

    /** Loop thread: whether {@code telemetry} reports another state than its robot's previous report queued. */
    private boolean stateChange(Telemetry telemetry) {
        return queuedStates.put(telemetry.getRobotId(), telemetry.getState()) != telemetry.getState();
    }

    /**
     * Loop thread: sends queued requests, in outbox order, while the pipeline has room: at most
     * {@link #MAX_BATCHES_IN_FLIGHT} telemetry batches and {@link #MAX_SINGLES_IN_FLIGHT} other requests unacknowledged.
     * A request may pass one that waits for room only if they name no robot in common, so each robot's messages reach the
     * stream in arrival order. With a flush interval, a batch that is still filling and last in line waits up to that long.
     * Called on every arrival and ack: it looks at requests and batches' robot sets, never at a waiting batch's items.
     */
    private void drain() {
        if (!welcomed || requests == null) {
            return;
        }
        List<Set<String>> heldBatches = null; // robots of batches left waiting before the request looked at
        Set<String> heldSingles = null;       // robots of other requests left waiting before it
        for (Iterator<Object> it = outbox.iterator(); it.hasNext(); ) {
            boolean batchRoom = batchesInFlight.size() < MAX_BATCHES_IN_FLIGHT;
            boolean singleRoom = unackedBySend.size() - batchesInFlight.size() < MAX_SINGLES_IN_FLIGHT;
            if (!batchRoom && !singleRoom) {
                return;
            }
            Object head = it.next();
            if (head instanceof Batch b) {
                boolean go = batchRoom && (heldSingles == null || Collections.disjoint(heldSingles, b.robots));
                if (go && heldBatches != null) {
                    for (Set<String> robots : heldBatches) {
                        if (!Collections.disjoint(robots, b.robots)) {
                            go = false;
                            break;
                        }
                    }
                }
                if (go && !it.hasNext() && b.items.size() < maxBatch && !config.flushInterval().isZero()) {
                    long waitNanos = b.openedNanos + config.flushInterval().toNanos() - System.nanoTime();
                    if (waitNanos > 0) {
                        if (flushTask == null) {
                            flushTask = loop.schedule(() -> {
                                flushTask = null;
                                drain();
                            }, waitNanos, TimeUnit.NANOSECONDS);
                        }
                        go = false;
                    }
                }
                if (!go) {
                    if (heldBatches == null) {
                        heldBatches = new ArrayList<>(2);
                    }
                    heldBatches.add(b.robots);
                    continue;
                }
                it.remove();
                sendRequest(b.items, true);
            } else {
                Pending p = (Pending) head;
                String robot = robotOf(p);
                boolean go = singleRoom && (heldSingles == null || !heldSingles.contains(robot));
                if (go && heldBatches != null) {
                    for (Set<String> robots : heldBatches) {
                        if (robots.contains(robot)) {
                            go = false;
                            break;
                        }
                    }
                }
                if (!go) {
                    if (heldSingles == null) {
                        heldSingles = new HashSet<>();
                    }
                    heldSingles.add(robot);
                    continue;
                }
                it.remove();
                sendRequest(List.of(p), false);
            }
        }
    }

    /** Loop thread: sends one request of {@code items} (those acknowledged meanwhile left out). */
    private void sendRequest(List<Pending> items, boolean batch) {
        long sendId = ++sendIds;
        int count = 0;
        // A state change goes as a batch of one, counted with the other single requests.
        TelemetryBatch.Builder telemetry = items.get(0).telemetry != null ? TelemetryBatch.newBuilder() : null;
        for (Pending p : items) {
            p.queued = false;
            if (p.done) {
                continue; // acknowledged while it waited to be sent again
            }
            detach(p);
            p.sendId = sendId;
            p.sentNanos = System.nanoTime();
            count++;
            if (telemetry != null) {
                telemetry.addItems(p.telemetry);
            }
        }
        if (count == 0) {
            return;
        }
        unackedBySend.put(sendId, count);
        if (batch) {
            batchesInFlight.add(sendId);
        }
        send(telemetry != null ? ConnectRequest.newBuilder().setTelemetry(telemetry).build() : items.get(0).request);
    }

    /** The robot a pending message is of ("" for a malformed report, which waits for nothing and holds nothing up). */
    private static String robotOf(Pending p) {
        if (p.telemetry != null) {
            return p.telemetry.getRobotId();
        }
        return switch (p.request.getKindCase()) {
            case EVENT -> p.request.getEvent().getRobotId();
            case CONNECTION -> p.request.getConnection().getRobotId();
            default -> "";
        };
    }

    /** Loop thread: {@code p} no longer counts toward the request it was last sent in. */
    private void detach(Pending p) {
        if (p.sendId != 0) {
            if (unackedBySend.computeIfPresent(p.sendId, (id, n) -> n > 1 ? n - 1 : null) == null) {
                batchesInFlight.remove(p.sendId);
            }
            p.sendId = 0;
        }
    }

    private void send(ConnectRequest request) {
        if (requests == null) {
            return;
        }
        try {
            requests.onNext(request);
            switch (request.getKindCase()) {
                case TELEMETRY -> metrics.forwarded.addAndGet(request.getTelemetry().getItemsCount());
                case EVENT, CONNECTION -> metrics.forwarded.incrementAndGet();
                default -> {
                }
            }
        } catch (RuntimeException e) {
            // The call is already failing; onError will follow and everything pending is re-sent on the next stream.
            log.debug("send on a failing stream", e);
        }
    }

    /** Loop thread: deliveries of a lost MQTT connection can't be acked; the broker re-delivers them. */
    private void dropStaleDeliveries(long currentGeneration) {
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            for (Iterator<MqttRef> refs = p.refs.iterator(); refs.hasNext(); ) {
                if (refs.next().generation() < currentGeneration) {
                    refs.remove();
                    permits.release();
                }
            }
            if (p.refs.isEmpty()) {
                p.done = true;
                detach(p);
                it.remove();
            }
        }
    }

    private void ackMqtt(MqttRef ref) {
        permits.release();
        if (ref.qos() == 0 || ref.generation() != mqttGeneration.get() || closed) {
            return;
        }
        try {
            mqtt.messageArrivedComplete(ref.id(), ref.qos());
            metrics.mqttAcked.incrementAndGet();
        } catch (MqttException | RuntimeException e) {
            log.debug("MQTT ack of packet {} failed (the broker re-delivers it)", ref.id(), e);
        }
    }

    private void complete(Object key) {
        Pending p = pending.remove(key);
        if (p == null) {
            return;
        }
        p.done = true;
        detach(p);
        for (MqttRef ref : p.refs) {
            ackMqtt(ref);
        }
    }

    // ---------------------------------------------------------------- gRPC side

    /** Loop thread. */
    private void openStream() {
        if (closed) {
            return;
        }
        long id = ++streamId;
        welcomed = false;
        requests = null;
        log.info("Opening RobotService/Connect stream #{} to {}", id, config.grpcTarget());
        stub.connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
                onLoop(() -> {
                    if (id == streamId) {
                        requests = requestStream;
                        requests.onNext(ConnectRequest.newBuilder().setHello(BridgeHello.newBuilder()
                                .setBridgeId(config.bridgeId())
                                .setSoftwareVersion(VERSION)
                                .setBrokerUri(brokerUriWithoutCredentials())).build());
                    } else {
                        requestStream.cancel("superseded", null);
                    }
                });
            }

            @Override
            public void onNext(ConnectResponse response) {
                onLoop(() -> {
                    if (id == streamId) {
                        onResponse(response);
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                onLoop(() -> {
                    if (id == streamId) {
                        streamLost(Status.fromThrowable(t));
                    }
                });
            }

            @Override
            public void onCompleted() {
                onLoop(() -> {
                    if (id == streamId) {
                        streamLost(Status.UNAVAILABLE.withDescription("server completed the stream"));
                    }
                });
            }
        });
    }

    private void onResponse(ConnectResponse response) {
        switch (response.getKindCase()) {
            case WELCOME -> {
                welcomed = true;
                maxBatch = response.getWelcome().getMaxBatchSize() > 0
                        ? response.getWelcome().getMaxBatchSize() : DEFAULT_MAX_BATCH;
                streamBackoff.reset();
                metrics.streamsOpened.incrementAndGet();
                log.info("Stream #{} welcomed by server {} (max batch {}); re-sending {} unacknowledged messages",
                        streamId, response.getWelcome().getServerId(), maxBatch, pending.size());
                for (Pending p : new ArrayList<>(pending.values())) {
                    enqueue(p);
                }
                firstWelcome.countDown();
                if (ackCheck == null) {
                    long period = Math.max(10, config.ackTimeout().toMillis() / 4);
                    ackCheck = loop.scheduleWithFixedDelay(this::resendUnacknowledged, period, period,
                            TimeUnit.MILLISECONDS);
                }
            }
            case ACK -> onAck(response.getAck());
            case COMMAND -> publishCommand(response.getCommand());
            default -> log.warn("Unknown ConnectResponse kind {}", response.getKindCase());
        }
    }

    /**
     * Loop thread: a message sent on the current stream and not acknowledged within the ack timeout is sent again
     * (the server drops duplicates). A lost ack must not hold the message, and with it the broker's in-flight window,
     * forever.
     */
    private void resendUnacknowledged() {
        if (!welcomed) {
            return;
        }
        long cutoff = System.nanoTime() - config.ackTimeout().toNanos();
        int resent = 0;
        for (Pending p : new ArrayList<>(pending.values())) {
            if (p.sendId != 0 && p.sentNanos - cutoff < 0) {
                detach(p); // its ack is taken as lost: the request no longer holds a place in the pipeline
                enqueue(p);
                resent++;
            }
        }
        if (resent > 0) {
            metrics.resent.addAndGet(resent);
            log.warn("Re-sent {} messages the server did not acknowledge within {}", resent, config.ackTimeout());
        }
    }

    private void onAck(StoredAck ack) {
        for (RobotMessageKey key : ack.getStoredList()) {
            metrics.stored.incrementAndGet();
            complete(new Key(key.getRobotId(), key.getSequence()));
        }
        for (RejectedMessage rejected : ack.getRejectedList()) {
            metrics.rejected.incrementAndGet();
            log.info("Server rejected {}#{}: {} {}", rejected.getKey().getRobotId(), rejected.getKey().getSequence(),
                    rejected.getReason(), rejected.getDetail());
            complete(new Key(rejected.getKey().getRobotId(), rejected.getKey().getSequence()));
        }
        for (String reportId : ack.getMalformedReportIdsList()) {
            complete(reportId);
        }
        drain();
    }

    private void streamLost(Status status) {
        if (status.getCode() == Status.Code.UNAUTHENTICATED && credentials != null) {
            // E.g. a restarted server that no longer accepts the cached token: exchange the secret again.
            credentials.invalidate();
        }
        requests = null;
        welcomed = false;
        outbox.clear();
        unackedBySend.clear();
        batchesInFlight.clear();
        for (Pending p : pending.values()) {
            p.queued = false;
            p.sendId = 0;
        }
        if (flushTask != null) {
            flushTask.cancel(false);
            flushTask = null;
        }
        if (closed) {
            return;
        }
        long delay = streamBackoff.nextDelayMillis();
        log.warn("Connect stream #{} ended: {} {}; reconnecting in {} ms ({} messages unacknowledged)", streamId,
                status.getCode(), status.getDescription(), delay, pending.size());
        try {
            loop.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("closed");
        }
    }

    /**
     * Loop thread: a command from the server. Published at once when the broker's window has room and nothing waits
     * before it; otherwise it waits in the command queue.
     */
    private void publishCommand(RobotCommand command) {
        if (!RobotIds.valid(command.getRobotId())) {
            metrics.commandsDropped.incrementAndGet();
            log.warn("Command {} has an invalid robot id {}; not published", command.getCommandId(),
                    RobotMessageCodec.truncate(command.getRobotId(), 80));
            return;
        }
        if (hasExpired(command)) {
            dropExpired(command);
            return;
        }
        if (commandQueue.isEmpty() && tryPublish(command)) {
            return;
        }
        if (commandQueue.size() >= config.commandQueueSize()) {
            dropExpiredQueued();
        }
        if (commandQueue.size() >= config.commandQueueSize()) {
            metrics.commandsDropped.incrementAndGet();
            long suppressed = commandQueueFullLog.tryLog();
            if (suppressed >= 0) {
                log.warn("Command queue full ({} waiting for the broker, {} in flight); dropped command {} for {} "
                        + "(the server re-sends it){}", commandQueue.size(), commandsInFlight, command.getCommandId(),
                        command.getRobotId(), suppressed > 0 ? " (" + suppressed + " more since the last report)" : "");
            }
            return;
        }
        commandQueue.addLast(command);
        metrics.commandsWaited.incrementAndGet();
        metrics.commandsQueued.set(commandQueue.size());
    }

    /** Loop thread: publishes queued commands, in order, while the broker's window has room. */
    private void drainCommands() {
        while (!commandQueue.isEmpty()) {
            RobotCommand command = commandQueue.peekFirst();
            if (hasExpired(command)) {
                commandQueue.pollFirst();
                dropExpired(command);
                continue;
            }
            if (!tryPublish(command)) {
                break;
            }
            commandQueue.pollFirst();
        }
        metrics.commandsQueued.set(commandQueue.size());
    }

    /**
     * Loop thread: hands a command to Paho (QoS 1, message expiry from expire_time). Returns false when it has to wait:
     * no broker connection, or the broker's window is full; true when it was handed over or dropped for good.
     */
    private boolean tryPublish(RobotCommand command) {
        long generation = mqttGeneration.get();
        if (generation != commandGeneration) {
            // Publishes of a lost connection complete (as failures) without holding the new connection's window.
            commandGeneration = generation;
            commandsInFlight = 0;
        }
        if (closed || !mqttConnected || commandsInFlight >= publishWindow) {
            return false;
        }
        MqttProperties properties = new MqttProperties();
        properties.setContentType(RobotMessageCodec.JSON);
        if (command.hasExpireTime()) {
            long remainingMillis = Timestamps.toMillis(command.getExpireTime()) - clock.millis();
            properties.setMessageExpiryInterval(Math.max(1, (remainingMillis + 999) / 1000));
        }
        MqttMessage message = new MqttMessage(RobotMessageCodec.encodeCommand(command), 1, false, properties);
        String topic = topics.topic(command.getRobotId(), RobotTopics.Kind.COMMANDS);
        try {
            mqtt.publish(topic, message, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    metrics.commandsPublished.incrementAndGet();
                    log.info("Published {} command {} to {}", command.getType(), command.getCommandId(), topic);
                    onLoop(() -> commandCompleted(generation));
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    metrics.commandsDropped.incrementAndGet();
                    log.warn("Publishing command {} to {} failed (the server re-sends it): {}",
                            command.getCommandId(), topic, String.valueOf(e));
                    onLoop(() -> commandCompleted(generation));
                }
            });
            commandsInFlight++;
            return true;
        } catch (MqttException e) {
            switch (e.getReasonCode()) {
                case MqttClientException.REASON_CODE_MAX_INFLIGHT -> {
                    // Paho's window is fuller than the bridge's count (e.g. a resumed session's publishes): wait for
                    // a completion, or retry shortly when none of the bridge's own is in flight.
                    if (commandsInFlight == 0) {
                        scheduleCommandRetry();
                    }
                    return false;
                }
                case MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED,
                        MqttClientException.REASON_CODE_CLIENT_DISCONNECTING,
                        MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS -> {
                    return false; // drained again once the connection is back and subscribed
                }
                default -> {
                    metrics.commandsDropped.incrementAndGet();
                    log.warn("Publishing command {} to {} failed (the server re-sends it): {}", command.getCommandId(),
                            topic, e.toString());
                    return true;
                }
            }
        } catch (RuntimeException e) {
            metrics.commandsDropped.incrementAndGet();
            log.warn("Publishing command {} to {} failed (the server re-sends it): {}", command.getCommandId(), topic,
                    e.toString());
            return true;
        }
    }

    /** Loop thread: a command publish completed (PUBACK or failure); its slot in the window is free. */
    private void commandCompleted(long generation) {
        if (generation == commandGeneration && commandsInFlight > 0) {
            commandsInFlight--;
        }
        drainCommands();
    }

    private void scheduleCommandRetry() {
        if (commandRetry != null && !commandRetry.isDone()) {
            return;
        }
        try {
            commandRetry = loop.schedule(this::drainCommands, COMMAND_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("closed");
        }
    }

    private boolean hasExpired(RobotCommand command) {
        return command.hasExpireTime() && Timestamps.toMillis(command.getExpireTime()) <= clock.millis();
    }

    private void dropExpired(RobotCommand command) {
        metrics.commandsDropped.incrementAndGet();
        metrics.commandsExpired.incrementAndGet();
        log.info("Command {} for {} expired before it could be published", command.getCommandId(),
                command.getRobotId());
    }

    /** Loop thread: makes room in a full queue by dropping the commands that expired while they waited. */
    private void dropExpiredQueued() {
        for (Iterator<RobotCommand> it = commandQueue.iterator(); it.hasNext(); ) {
            RobotCommand command = it.next();
            if (hasExpired(command)) {
                it.remove();
                dropExpired(command);
            }
        }
        metrics.commandsQueued.set(commandQueue.size());
    }

    private String brokerUriWithoutCredentials() {
        try {
            URI uri = URI.create(config.mqttUrl());
            String s = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null).toString();
            return RobotMessageCodec.truncate(s, 256);
        } catch (Exception e) {
            return "";
        }
    }

    /** Number of robot messages waiting for the server's ack (for tests and metrics; blocks briefly). */
    public int pendingCount() {
        try {
            return loop.submit(pending::size).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Stops reading MQTT, disconnects without acknowledging anything still pending (the broker keeps those for the
     * next bridge with this id, or another bridge of the share group) and closes the stream.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (mqtt.isConnected()) {
                mqtt.disconnect(5000).waitForCompletion(6000);
            }
        } catch (MqttException e) {
            log.debug("MQTT disconnect", e);
        }
        try {
            mqtt.close(true);
        } catch (MqttException e) {
            log.debug("MQTT close", e);
        }
        try {
            loop.submit(() -> {
                if (requests != null) {
                    try {
                        requests.onCompleted();
                    } catch (RuntimeException e) {
                        log.debug("completing the stream", e);
                    }
                    requests = null;
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the stream", e);
        }
        loop.shutdownNow();
        if (ownsChannel && channel instanceof ManagedChannel managed) {
            managed.shutdown();
            try {
                if (!managed.awaitTermination(5, TimeUnit.SECONDS)) {
                    managed.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                managed.shutdownNow();
            }
        }
        log.info("Bridge {} stopped: {}", config.bridgeId(), metrics);
    }

    /** Runs on the loop unless the bridge is closing. */
    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("bridge closed; dropped a task");
        }
    }
}
