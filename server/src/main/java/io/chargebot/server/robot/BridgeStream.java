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
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge's Connect stream. Requests are handled one at a time, in order, on the call's thread:
 * the next one is read only after the previous one committed and was acknowledged, which is the
 * back-pressure a bridge feels. Acks go out only after commit, so an acknowledged MQTT message is
 * stored; on any failure the stream ends and the bridge resends what was not acknowledged. Commands
 * for robots are written to the stream from the command relay's thread, under the same lock.
 */
final class BridgeStream implements StreamObserver<ConnectRequest>, CommandRelay.Sink {

    private static final Logger logger = LoggerFactory.getLogger(BridgeStream.class);

    private final ServerCallStreamObserver<ConnectResponse> responses;
    private final RobotIngest ingest;
    private final RobotStateHub hub;
    private final RobotBackground background;
    private final CommandRelay relay;
    private final RobotSettings settings;
    private String bridgeId;
    private boolean closed;

    BridgeStream(ServerCallStreamObserver<ConnectResponse> responses, RobotIngest ingest, RobotStateHub hub,
                 RobotBackground background, CommandRelay relay, RobotSettings settings) {
        this.responses = responses;
        this.ingest = ingest;
        this.hub = hub;
        this.background = background;
        this.relay = relay;
        this.settings = settings;
        responses.setOnCancelHandler(this::closed);
    }

    @Override
    public void onNext(ConnectRequest request) {
        try {
            handle(request);
        } catch (RuntimeException e) {
            // The interceptor maps and closes the call; nothing more goes out on this stream.
            closed();
            throw e;
        }
    }

    private void handle(ConnectRequest request) {
        if (bridgeId == null) {
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
            return;
        }
        RobotIngest.Outcome outcome;
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
                outcome = ingest.telemetry(request.getTelemetry().getItemsList(), bridgeId);
            }
            case EVENT -> outcome = ingest.event(request.getEvent(), bridgeId);
            case CONNECTION -> outcome = ingest.connection(request.getConnection(), bridgeId);
            case MALFORMED -> {
                String reportId = request.getMalformed().getReportId();
                if (reportId.isEmpty() || reportId.length() > 64) {
                    throw ApiException.invalid("malformed.report_id", "is required, 1..64 characters (a UUID)");
                }
                StoredAck ack = ingest.malformed(request.getMalformed(), bridgeId);
                send(ConnectResponse.newBuilder().setAck(ack).build());
                return;
            }
            default -> throw ApiException.invalid("kind", "set exactly one of hello, telemetry, event, connection, malformed");
        }
        send(ConnectResponse.newBuilder().setAck(outcome.ack()).build());
        background.sent(outcome.commands());
        background.dispatchSoon(outcome.freed());
        hub.changed(outcome.changed(), outcome.moved());
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

    private synchronized void closed() {
        closed = true;
        relay.unregister(this);
    }

    @Override
    public void onError(Throwable t) {
        closed();
        logger.info("Bridge {} stream ended: {}", bridgeId, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            if (!closed) {
                responses.onCompleted();
            }
        }
        closed();
        logger.info("Bridge {} closed its stream", bridgeId);
    }
}
