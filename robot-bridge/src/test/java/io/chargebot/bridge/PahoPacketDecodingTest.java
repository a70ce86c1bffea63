package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPubAck;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.eclipse.paho.mqttv5.common.packet.util.CountingInputStream;
import org.junit.jupiter.api.Test;

/** Paho decodes received packets through ChargeBot's CountingInputStream, in bulk and exactly as before. */
class PahoPacketDecodingTest {

    private static byte[] packet(MqttWireMessage message) throws Exception {
        byte[] header = message.getHeader();
        byte[] payload = message.getPayload();
        byte[] bytes = new byte[header.length + payload.length];
        System.arraycopy(header, 0, bytes, 0, header.length);
        System.arraycopy(payload, 0, bytes, header.length, payload.length);
        return bytes;
    }

    @Test
    void theCountingStreamReadsInBulkAndCountsEveryByte() throws IOException {
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        ByteArrayInputStream source = new ByteArrayInputStream(data);
        InputStream bulkOnly = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read byte by byte");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return source.read(b, off, len);
            }
        };
        CountingInputStream counting = new CountingInputStream(bulkOnly);
        byte[] first = new byte[600];
        new DataInputStream(counting).readFully(first);
        assertThat(counting.getCounter()).isEqualTo(600);
        assertThat(first[599]).isEqualTo((byte) 599);
        counting.resetCounter();
        byte[] rest = new byte[500];
        assertThat(counting.read(rest, 0, rest.length)).isEqualTo(400);
        assertThat(counting.read(rest, 0, rest.length)).isEqualTo(-1);
        assertThat(counting.getCounter()).isEqualTo(400);

        CountingInputStream single = new CountingInputStream(new ByteArrayInputStream(new byte[] {7, -1}));
        assertThat(single.read()).isEqualTo(7);
        assertThat(single.read()).isEqualTo(255);
        assertThat(single.read()).isEqualTo(-1);
        assertThat(single.getCounter()).isEqualTo(2);
    }

    @Test
    void aReceivedPublishDecodesToWhatWasSent() throws Exception {
        String json = "{\"robotId\":\"robot-7\",\"sequence\":42,\"state\":\"ROBOT_STATE_MOVING\",\"note\":\"충전 중\"}";
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        properties.setMessageExpiryInterval(60L);
        properties.setUserProperties(List.of(new UserProperty("bridge", "b-1")));
        MqttMessage message = new MqttMessage(json.getBytes(StandardCharsets.UTF_8), 1, false, properties);
        MqttPublish sent = new MqttPublish("chargebot/v1/robots/robot-7/telemetry", message, properties);
        sent.setMessageId(4711);

        MqttPublish received = (MqttPublish) MqttWireMessage.createWireMessage(packet(sent));

        assertThat(received.getTopicName()).isEqualTo("chargebot/v1/robots/robot-7/telemetry");
        assertThat(received.getMessageId()).isEqualTo(4711);
        assertThat(received.getMessage().getQos()).isEqualTo(1);
        assertThat(new String(received.getMessage().getPayload(), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(received.getProperties().getContentType()).isEqualTo("application/json");
        assertThat(received.getProperties().getMessageExpiryInterval()).isEqualTo(60L);
        assertThat(received.getProperties().getUserProperties()).containsExactly(new UserProperty("bridge", "b-1"));

        MqttPubAck ack = (MqttPubAck) MqttWireMessage.createWireMessage(packet(new MqttPubAck(MqttReturnCode.RETURN_CODE_SUCCESS,
                4711, new MqttProperties())));
        assertThat(ack.getMessageId()).isEqualTo(4711);
        assertThat(ack.getReturnCode()).isEqualTo(MqttReturnCode.RETURN_CODE_SUCCESS);
    }
}
