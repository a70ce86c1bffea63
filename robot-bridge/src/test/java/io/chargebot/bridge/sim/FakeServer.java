package io.chargebot.bridge.sim;

import io.chargebot.robot.v1.BridgeWelcome;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectResponse;
import io.chargebot.robot.v1.ConnectionChange;
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
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** Minimal recording, always-acking test double of RobotService/Connect for the simulator tests. */
final class FakeServer extends RobotServiceGrpc.RobotServiceImplBase implements AutoCloseable {

    private final List<Telemetry> telemetry = new CopyOnWriteArrayList<>();
    private final List<RobotEvent> events = new CopyOnWriteArrayList<>();
    private final List<ConnectionChange> connections = new CopyOnWriteArrayList<>();
    private final String name = "fake-" + UUID.randomUUID();
    private final Server server;
    private volatile StreamObserver<ConnectResponse> current;

    FakeServer() {
        try {
            server = InProcessServerBuilder.forName(name).addService(this).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ManagedChannel channel() {
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
                        current = responses;
                        send(responses, ConnectResponse.newBuilder()
                                .setWelcome(BridgeWelcome.newBuilder().setMaxBatchSize(50)).build());
                        return;
                    }
                    case TELEMETRY -> request.getTelemetry().getItemsList().forEach(t -> {
                        telemetry.add(t);
                        ack.addStored(key(t.getRobotId(), t.getSequence()));
                    });
                    case EVENT -> {
                        events.add(request.getEvent());
                        ack.addStored(key(request.getEvent().getRobotId(), request.getEvent().getSequence()));
                    }
                    case CONNECTION -> {
                        connections.add(request.getConnection());
                        ack.addStored(key(request.getConnection().getRobotId(),
                                request.getConnection().getSequence()));
                    }
                    case MALFORMED -> ack.addMalformedReportIds(request.getMalformed().getReportId());
                    default -> {
                    }
                }
                send(responses, ConnectResponse.newBuilder().setAck(ack).build());
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

    void sendCommand(RobotCommand command) {
        send(current, ConnectResponse.newBuilder().setCommand(command).build());
    }

    List<Telemetry> telemetry(String robotId) {
        return telemetry.stream().filter(t -> t.getRobotId().equals(robotId)).toList();
    }

    List<RobotEvent> events(String robotId) {
        return events.stream().filter(e -> e.getRobotId().equals(robotId)).toList();
    }

    List<ConnectionChange> connections(String robotId) {
        return connections.stream().filter(c -> c.getRobotId().equals(robotId)).toList();
    }

    private static void send(StreamObserver<ConnectResponse> stream, ConnectResponse response) {
        synchronized (stream) {
            try {
                stream.onNext(response);
            } catch (RuntimeException e) {
                // closed
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
