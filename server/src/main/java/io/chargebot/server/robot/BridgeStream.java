package io.chargebot.server.robot;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.robot.v1.BridgeWelcome;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.FieldViolation;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge's Connect stream. Requests of different robots are stored at once (on {@link StreamWorkers}, each in its
 * own transaction), those of one robot one at a time in arrival order: a request starts only when no earlier request
 * still unfinished names any of its robots; telemetry batches also wait for earlier batches. So a robot's freeing
 * report no longer waits behind other robots' events, while each robot's messages apply in the order the bridge sent
 * them. At most {@code stream-window}
 * requests are read and unfinished; gRPC flow control holds the rest, which is the back-pressure a bridge feels. Acks
 * go out only after commit, in the order requests finish (the bridge matches them by message key), so an acknowledged
 * MQTT message is stored; on any failure the stream ends and the bridge resends what was not acknowledged. Commands
 * for robots are written to the stream from other threads, under the same lock.
 */
final class BridgeStream implements StreamObserver<ConnectRequest>, CommandRelay.Sink {

    private static final Logger logger = LoggerFactory.getLogger(BridgeStream.class);
    /**
     * Named by every telemetry batch of more than one report (no robot id can be empty), so batches are stored one
     * after another as before: while one is stored the bridge collects the next (docs/benchmarks.md: batches stored at
     * once got smaller, and ingestion slower). Events, connection changes and single reports (the bridge sends a
     * robot's change of state on its own), one message each, pass them when their robot allows.
     */
    private static final String TELEMETRY_LINE = "";

    private final ServerCallStreamObserver<ConnectResponse> responses;
    private final RobotIngest ingest;
    private final RobotStateHub hub;
    private final RobotBackground background;
    private final CommandRelay relay;
    private final RobotSettings settings;
    private final StreamWorkers workers;
    /** Set by the hello, on the call's thread, before any request is stored. */
    private volatile String bridgeId;
    // Guarded by this.
    private boolean closed;
    private boolean halfClosed;
    /** Requests read and not yet stored, in arrival order. */
    private final ArrayDeque<Task> unfinished = new ArrayDeque<>();

    /**
     * A request with the robots it names (none for a malformed-message report, which changes no robot; a telemetry
     * batch also names {@link #TELEMETRY_LINE}).
     */
    private static final class Task {
        final ConnectRequest request;
        final Set<String> robots;
        boolean started;

        Task(ConnectRequest request, Set<String> robots) {
            this.request = request;
            this.robots = robots;
        }
    }

    BridgeStream(ServerCallStreamObserver<ConnectResponse> responses, RobotIngest ingest, RobotStateHub hub,
                 RobotBackground background, CommandRelay relay, RobotSettings settings, StreamWorkers workers) {
        this.responses = responses;
        this.ingest = ingest;
        this.hub = hub;
        this.background = background;
        this.relay = relay;
        this.settings = settings;
        this.workers = workers;
        responses.setOnCancelHandler(this::closed);
        responses.disableAutoRequest();
        responses.request(1);
    }

    @Override
    public void onNext(ConnectRequest request) {
        try {
            if (bridgeId == null) {
                hello(request);
                responses.request(settings.streamWindow);
                return;
            }
            Task task = new Task(request, robots(request));
            synchronized (this) {
                if (closed) {
                    return;
                }
                unfinished.addLast(task);
                startReady();
            }
        } catch (RuntimeException e) {
            // The interceptor maps and closes the call; nothing more goes out on this stream.
            closed();
            throw e;
        }
    }

    private void hello(ConnectRequest request) {
        if (request.getKindCase() != ConnectRequest.KindCase.HELLO) {
            throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                    "the first message of a Connect stream must be a hello (got " + request.getKindCase() + ")");
        }
        String id = request.getHello().getBridgeId();
        if (id.isBlank() || id.length() > 64) {
            throw ApiException.invalid("hello.bridge_id", "is required, 1..64 characters");
        }
        bridgeId = id;
        send(ConnectResponse.newBuilder().setWelcome(BridgeWelcome.newBuilder().setServerId(settings.serverId)
                .setMaxBatchSize(settings.maxBatchSize)).build());
        logger.info("Bridge {} connected (version {}, broker {})", id, request.getHello().getSoftwareVersion(),
                request.getHello().getBrokerUri());
        relay.register(this);
    }

    /** Checks a request after the hello; the robots it names. */
    private Set<String> robots(ConnectRequest request) {
        switch (request.getKindCase()) {
            case HELLO -> throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                    "hello may only be the first message of a Connect stream");
            case TELEMETRY -> {
                int items = request.getTelemetry().getItemsCount();
                if (items == 0 || items > settings.maxBatchSize) {
                    throw new ApiException(Status.Code.INVALID_ARGUMENT, ErrorReason.PAYLOAD_TOO_LARGE,
                            "telemetry.items: a batch holds 1.." + settings.maxBatchSize + " items (got " + items + ")",
                            List.of(new FieldViolation("telemetry.items", "must hold 1.." + settings.maxBatchSize + " items")),
                            Map.of("max_batch_size", Integer.toString(settings.maxBatchSize)), null);
                }
                if (items == 1) {
                    // One report (a state change the bridge sends on its own, or all there was): no batch to line up with.
                    return Set.of(request.getTelemetry().getItems(0).getRobotId());
                }
                Set<String> robots = new HashSet<>();
                robots.add(TELEMETRY_LINE);
                request.getTelemetry().getItemsList().forEach(t -> robots.add(t.getRobotId()));
                return robots;
            }
            case EVENT -> {
                return Set.of(request.getEvent().getRobotId());
            }
            case CONNECTION -> {
                return Set.of(request.getConnection().getRobotId());
            }
            case MALFORMED -> {
                String reportId = request.getMalformed().getReportId();
                if (reportId.isEmpty() || reportId.length() > 64) {
                    throw ApiException.invalid("malformed.report_id", "is required, 1..64 characters (a UUID)");
                }
                return Set.of();
            }
            default -> throw ApiException.invalid("kind", "set exactly one of hello, telemetry, event, connection, malformed");
        }
    }

    /** Starts every waiting request none of whose robots an earlier unfinished request names. Holding the lock. */
    private void startReady() {
        Set<String> blocked = new HashSet<>();
        for (Task task : unfinished) {
            if (!task.started && Collections.disjoint(task.robots, blocked)) {
                task.started = true;
                try {
                    workers.execute(() -> store(task));
                } catch (RejectedExecutionException e) {
                    fail(Status.UNAVAILABLE.withDescription("the server is shutting down").asRuntimeException());
                    return;
                }
            }
            blocked.addAll(task.robots);
        }
    }

    /** A worker: stores one request, acknowledges it after commit, hands on what it freed, starts what waited on it. */
    private void store(Task task) {
        ConnectRequest request = task.request;
        RobotIngest.Outcome outcome = null;
        StoredAck ack;
        try {
            switch (request.getKindCase()) {
                case TELEMETRY -> outcome = ingest.telemetry(request.getTelemetry().getItemsList(), bridgeId);
                case EVENT -> outcome = ingest.event(request.getEvent(), bridgeId);
                case CONNECTION -> outcome = ingest.connection(request.getConnection(), bridgeId);
                case MALFORMED -> { }
                default -> throw new IllegalStateException(request.getKindCase().toString());
            }
            ack = outcome != null ? outcome.ack() : ingest.malformed(request.getMalformed(), bridgeId);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        send(ConnectResponse.newBuilder().setAck(ack).build());
        if (outcome != null) {
            background.sent(outcome.commands());
            background.dispatchSoon(outcome.freed());
            hub.changed(outcome.changed(), outcome.moved());
        }
        boolean more;
        synchronized (this) {
            unfinished.remove(task);
            more = !closed;
            if (more) {
                startReady();
                if (halfClosed && unfinished.isEmpty()) {
                    completeLocked();
                    more = false;
                }
            }
        }
        if (more) {
            responses.request(1);
        }
    }

    private synchronized boolean send(ConnectResponse response) {
        if (closed) {
            return false;
        }
        try {
            responses.onNext(response);
            return true;
        } catch (RuntimeException e) {
            closed = true;
            relay.unregister(this);
            return false;
        }
    }

    @Override
    public boolean send(RobotCommand command) {
        return send(ConnectResponse.newBuilder().setCommand(command).build());
    }

    /** Ends the stream with {@code error} (mapped by the interceptor's call); the bridge resends what is unacknowledged. */
    private synchronized void fail(Throwable error) {
        if (closed) {
            return;
        }
        closed = true;
        relay.unregister(this);
        try {
            responses.onError(error);
        } catch (RuntimeException e) {
            logger.debug("Bridge {} stream already closed", bridgeId, e);
        }
    }

    private synchronized void closed() {
        closed = true;
        relay.unregister(this);
    }

    private void completeLocked() {
        closed = true;
        relay.unregister(this);
        try {
            responses.onCompleted();
        } catch (RuntimeException e) {
            logger.debug("Bridge {} stream already closed", bridgeId, e);
        }
    }

    @Override
    public void onError(Throwable t) {
        closed();
        logger.info("Bridge {} stream ended: {}", bridgeId, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            halfClosed = true;
            if (!closed && unfinished.isEmpty()) {
                completeLocked();
            }
        }
        logger.info("Bridge {} closed its stream", bridgeId);
    }
}
