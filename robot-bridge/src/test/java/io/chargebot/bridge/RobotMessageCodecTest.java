package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RobotMessageCodecTest {

    private final RobotTopics topics = new RobotTopics(RobotTopics.DEFAULT_ROOT);
    private final RobotMessageCodec codec = new RobotMessageCodec(topics);

    private RobotMessageCodec.Decoded decode(String topic, String json, String contentType) {
        return codec.decode(topic, json.getBytes(StandardCharsets.UTF_8), contentType);
    }

    @Test
    void documentedTelemetryExampleParses() {
        var decoded = decode("chargebot/v1/robots/gangnam-01/telemetry", """
                {"robotId":"gangnam-01","sequence":"1795422600000001","time":"2026-11-23T08:30:00.250Z",
                 "state":"ROBOT_STATE_MOVING","position":{"floor":"B2","xMeters":12.5,"yMeters":40.0,"headingDegrees":90},
                 "batteryPercent":87.5,"speedMetersPerSecond":1.2,"reservation":"reservations/8f1c0b9e"}""", null);
        assertThat(decoded).isInstanceOf(RobotMessageCodec.Forward.class);
        var forward = (RobotMessageCodec.Forward) decoded;
        Telemetry t = (Telemetry) forward.message();
        assertThat(forward.sequence()).isEqualTo(1795422600000001L);
        assertThat(t.getState()).isEqualTo(RobotState.ROBOT_STATE_MOVING);
        assertThat(t.getPosition().getFloor()).isEqualTo("B2");
        assertThat(t.getTime().getNanos()).isEqualTo(250_000_000);
    }

    @Test
    void robotIdComesFromTheTopicWhenLeftOut() {
        var decoded = (RobotMessageCodec.Forward) decode("chargebot/v1/robots/r-1_x/events",
                "{\"sequence\":5,\"time\":\"2026-11-23T08:30:00Z\",\"type\":\"ROBOT_EVENT_TYPE_COMMAND_ACK\","
                        + "\"commandId\":\"c1\"}", "application/json");
        RobotEvent event = (RobotEvent) decoded.message();
        assertThat(event.getRobotId()).isEqualTo("r-1_x");
        assertThat(event.getType()).isEqualTo(RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK);
    }

    @Test
    void protobufNeedsTheTopicsMessageType() {
        byte[] payload = ConnectionChange.newBuilder().setSequence(3).setState(ConnectionState.CONNECTION_STATE_ONLINE)
                .build().toByteArray();
        String topic = "chargebot/v1/robots/r01/connection";
        assertThat(codec.decode(topic, payload,
                "application/x-protobuf; messageType=chargebot.robot.v1.ConnectionChange"))
                .isInstanceOf(RobotMessageCodec.Forward.class);
        assertThat(codec.decode(topic, payload, "application/x-protobuf; messageType=chargebot.robot.v1.Telemetry"))
                .isInstanceOfSatisfying(RobotMessageCodec.Invalid.class,
                        i -> assertThat(i.error()).contains("needs messageType=chargebot.robot.v1.ConnectionChange"));
    }

    @Test
    void protocolErrorsAreInvalid() {
        assertThat(decode("chargebot/v1/robots/r01/telemetry", "{\"time\":\"2026-11-23T08:30:00Z\"}", null))
                .isInstanceOfSatisfying(RobotMessageCodec.Invalid.class,
                        i -> assertThat(i.error()).contains("sequence"));
        assertThat(decode("chargebot/v1/robots/r01/telemetry", "{\"sequence\":1,\"batteryPercent\":\"lots\"}", null))
                .isInstanceOf(RobotMessageCodec.Invalid.class);
        assertThat(decode("chargebot/v1/robots/r01/telemetry", "[1,2]", null))
                .isInstanceOf(RobotMessageCodec.Invalid.class);
        assertThat(decode("chargebot/v1/robots/r01/telemetry", "{\"sequence\":1}", "application/json; charset=latin1"))
                .isInstanceOf(RobotMessageCodec.Invalid.class);
        assertThat(decode("chargebot/v1/robots/a b/telemetry", "{\"sequence\":1}", null))
                .isInstanceOfSatisfying(RobotMessageCodec.Invalid.class, i -> assertThat(i.robotId()).isEmpty());
        assertThat(decode("chargebot/v1/robots/r01/telemetry/extra", "{\"sequence\":1}", null))
                .isInstanceOfSatisfying(RobotMessageCodec.Invalid.class, i -> assertThat(i.robotId()).isEqualTo("r01"));
    }

    @Test
    void commandsAndClearedRetainedMessagesAreIgnored() {
        assertThat(decode("chargebot/v1/robots/r01/commands", "{}", null)).isInstanceOf(RobotMessageCodec.Ignore.class);
        assertThat(decode("chargebot/v1/robots/r01/connection", "", null)).isInstanceOf(RobotMessageCodec.Ignore.class);
    }
}
