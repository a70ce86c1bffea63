package io.chargebot.bridge;

import io.chargebot.robot.v1.RobotCommand;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** A hand-driven robot (raw Paho v5 client) for tests: publishes payloads as given, records commands. */
public final class TestRobot implements AutoCloseable {

    record Received(String topic, MqttMessage message) {
    }

    final List<Received> commands = new CopyOnWriteArrayList<>();
    private final MqttClient client;

    public TestRobot(String url, String clientId) throws MqttException {
        client = new MqttClient(url, clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
    }

    void subscribeCommands(String topic) throws MqttException {
        client.subscribe(new MqttSubscription[] {new MqttSubscription(topic, 1)},
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
                    (t, m) -> commands.add(new Received(t, m))});
    }

    public void publish(String topic, byte[] payload, String contentType) throws MqttException {
        MqttProperties properties = new MqttProperties();
        if (contentType != null) {
            properties.setContentType(contentType);
        }
        MqttMessage message = new MqttMessage(payload, 1, false, properties);
        for (int attempt = 1; ; attempt++) {
            try {
                client.publish(topic, message);
                return;
            } catch (MqttException e) {
                // Paho completes a QoS 1 publish's token before it frees its in-flight slot, so a publish right
                // after the previous one's PUBACK can still find the window full ("Too many publishes in progress").
                if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT || attempt == 100) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static RobotCommand decode(MqttMessage message) throws Exception {
        return RobotMessageCodec.decodeCommand(message.getPayload());
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
