package io.chargebot.bridge;

import io.chargebot.robot.v1.BridgeHello;
import io.chargebot.robot.v1.BridgeWelcome;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.MalformedMessage;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotMessageKey;
import io.chargebot.robot.v1.RobotServiceGrpc;
import io.chargebot.robot.v1.StoredAck;
import io.chargebot.robot.v1.Telemetry;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test double of the server side of RobotService/Connect (in-process transport): records what arrives, welcomes
 * with a max batch size, acknowledges stored messages (or withholds acks) and sends commands.
 */
public final class FakeRobotServer extends RobotServiceGrpc.RobotServiceImplBase implements AutoCloseable {

    static final int MAX_BATCH = 100;

    final List<BridgeHello> hellos = new CopyOnWriteArrayList<>();
    final List<Telemetry> telemetry = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<RobotEvent> events = new CopyOnWriteArrayList<>();
    final List<ConnectionChange> connections = new CopyOnWriteArrayList<>();
    final List<MalformedMessage> malformed = new CopyOnWriteArrayList<>();
    /** Every robot message as "robotId#sequence", in the order the requests arrived. */
    final List<String> arrivals = new CopyOnWriteArrayList<>();
    volatile boolean acking = true;
    /** Robot ids the server does not know: their messages are rejected (REJECT_REASON_UNKNOWN_ROBOT). */
    final java.util.Set<String> unknownRobots = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile StreamObserver<ConnectResponse> current;
    private final String name;
    private final Server server;

    public FakeRobotServer() throws IOException {
        this("fake-robot-server-" + UUID.randomUUID());
    }

    /** A server under a given in-process name (a "restarted" server takes the name of the one before). */
    FakeRobotServer(String name) throws IOException {
        this.name = name;
        server = InProcessServerBuilder.forName(name).addService(this).build().start();
    }

    String name() {
        return name;
    }

    public ManagedChannel channel() {
        return InProcessChannelBuilder.forName(name).build();
    }

    @Override
    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ConnectRequest request) {
                StoredAck.Builder ack = StoredAck.newBuilder();
                switch (request.getKindCase()) {
                    case HELLO -> {
                        hellos.add(request.getHello());
                        current = responses;
                        send(responses, ConnectResponse.newBuilder().setWelcome(BridgeWelcome.newBuilder()
                                .setServerId("fake").setMaxBatchSize(MAX_BATCH)).build());
                    }
                    case TELEMETRY -> {
                        batchSizes.add(request.getTelemetry().getItemsCount());
                        for (Telemetry t : request.getTelemetry().getItemsList()) {
                            if (unknownRobots.contains(t.getRobotId())) {
                                ack.addRejected(io.chargebot.robot.v1.RejectedMessage.newBuilder()
                                        .setKey(key(t.getRobotId(), t.getSequence()))
                                        .setReason(io.chargebot.robot.v1.RejectReason.REJECT_REASON_UNKNOWN_ROBOT)
                                        .setDetail("no robot " + t.getRobotId()));
                                continue;
                            }
                            telemetry.add(t);
                            arrivals.add(t.getRobotId() + "#" + t.getSequence());
                            ack.addStored(key(t.getRobotId(), t.getSequence()));
                        }
                    }
                    case EVENT -> {
                        events.add(request.getEvent());
                        arrivals.add(request.getEvent().getRobotId() + "#" + request.getEvent().getSequence());
                        ack.addStored(key(request.getEvent().getRobotId(), request.getEvent().getSequence()));
                    }
                    case CONNECTION -> {
                        connections.add(request.getConnection());
                        ack.addStored(key(request.getConnection().getRobotId(),
                                request.getConnection().getSequence()));
                    }
                    case MALFORMED -> {
                        malformed.add(request.getMalformed());
                        ack.addMalformedReportIds(request.getMalformed().getReportId());
                    }
                    default -> {
                    }
                }
                if (acking && !ack.build().equals(StoredAck.getDefaultInstance())) {
                    send(responses, ConnectResponse.newBuilder().setAck(ack).build());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                synchronized (responses) {
                    responses.onCompleted();
                }
            }
        };
    }

    public void sendCommand(RobotCommand command) {
        StreamObserver<ConnectResponse> stream = current;
        if (stream == null) {
            throw new IllegalStateException("no bridge connected");
        }
        send(stream, ConnectResponse.newBuilder().setCommand(command).build());
    }

    /** Acknowledges every telemetry item received so far (after acks were withheld). */
    void ackAllTelemetry() {
        StoredAck.Builder ack = StoredAck.newBuilder();
        for (Telemetry t : telemetry) {
            ack.addStored(key(t.getRobotId(), t.getSequence()));
        }
        sendCommandOrAck(ConnectResponse.newBuilder().setAck(ack).build());
    }

    private void sendCommandOrAck(ConnectResponse response) {
        StreamObserver<ConnectResponse> stream = current;
        if (stream == null) {
            throw new IllegalStateException("no bridge connected");
        }
        send(stream, response);
    }

    long telemetryCount(String robotId, long sequence) {
        return telemetry.stream().filter(t -> t.getRobotId().equals(robotId) && t.getSequence() == sequence).count();
    }

    public List<RobotEvent> eventsOf(String robotId) {
        return events.stream().filter(e -> e.getRobotId().equals(robotId)).toList();
    }

    public List<Telemetry> telemetryOf(String robotId) {
        return telemetry.stream().filter(t -> t.getRobotId().equals(robotId)).toList();
    }

    public List<ConnectionChange> connectionsOf(String robotId) {
        return connections.stream().filter(c -> c.getRobotId().equals(robotId)).toList();
    }

    private static void send(StreamObserver<ConnectResponse> stream, ConnectResponse response) {
        synchronized (stream) {
            try {
                stream.onNext(response);
            } catch (RuntimeException e) {
                // stream already closed
            }
        }
    }

    private static RobotMessageKey key(String robotId, long sequence) {
        return RobotMessageKey.newBuilder().setRobotId(robotId).setSequence(sequence).build();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
