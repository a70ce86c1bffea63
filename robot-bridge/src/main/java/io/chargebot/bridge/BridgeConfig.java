package io.chargebot.bridge;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * Settings of one bridge. {@link #fromEnvironment(Map)} reads:
 * <ul>
 *   <li>{@code MQTT_URL} broker URI, e.g. {@code tcp://broker:1883} or {@code ssl://broker:8883}; when absent the
 *       bridge main starts an embedded HiveMQ CE broker;</li>
 *   <li>{@code MQTT_USERNAME}, {@code MQTT_PASSWORD};</li>
 *   <li>{@code CHARGEBOT_GRPC_TARGET} the server, e.g. {@code 127.0.0.1:50051} (default), {@code CHARGEBOT_GRPC_TLS}
 *       {@code true} for TLS;</li>
 *   <li>{@code CHARGEBOT_BRIDGE_CLIENT_ID}, {@code CHARGEBOT_BRIDGE_CLIENT_SECRET}: exchanged for a SERVICE token
 *       (AuthService.IssueServiceToken); without them the stream is opened without credentials (local only);</li>
 *   <li>{@code CHARGEBOT_BRIDGE_ID} (default: host name), {@code CHARGEBOT_MQTT_TOPIC_ROOT} (default
 *       {@code chargebot/v1/robots}), {@code CHARGEBOT_MQTT_SHARE_GROUP} (default {@code chargebot-bridge}),
 *       {@code CHARGEBOT_BRIDGE_RECEIVE_MAXIMUM} (default 1000), {@code CHARGEBOT_BRIDGE_FLUSH_MS} (default 0),
 *       {@code CHARGEBOT_BRIDGE_COMMAND_QUEUE} (default 10000).</li>
 * </ul>
 *
 * @param mqttUrl broker URI
 * @param mqttUsername user name, or null
 * @param mqttPassword password, or null
 * @param grpcTarget gRPC target of the server
 * @param grpcTls whether the gRPC channel uses TLS
 * @param clientId service client id, or null for no credentials
 * @param clientSecret service client secret, or null
 * @param bridgeId stable id of this bridge; also the MQTT client id (prefixed)
 * @param topicRoot robot topic root
 * @param shareGroup MQTT v5 shared subscription group
 * @param receiveMaximum most unacknowledged MQTT messages the broker may send (the bridge's buffer bound)
 * @param sessionExpiry how long the broker keeps the bridge's session (and queues messages) while it is away
 * @param flushInterval how long telemetry waits to fill a batch; 0 (default): no wait, a batch is sent as soon as
 *     fewer than two requests are unacknowledged (batches grow with the load, no added latency)
 * @param minBackoff first reconnect delay
 * @param maxBackoff largest reconnect delay
 * @param ackTimeout how long a message sent on a healthy stream may go unacknowledged before it is sent again
 * @param commandQueueSize most commands waiting in the bridge for a publish slot (the broker's Receive Maximum caps
 *     unacknowledged QoS 1 publishes) or for the broker connection; a command arriving when it is full is dropped and
 *     counted (the server re-sends it); 0: no waiting
 */
public record BridgeConfig(String mqttUrl, String mqttUsername, String mqttPassword, String grpcTarget,
        boolean grpcTls, String clientId, String clientSecret, String bridgeId, String topicRoot, String shareGroup,
        int receiveMaximum, Duration sessionExpiry, Duration flushInterval, Duration minBackoff,
        Duration maxBackoff, Duration ackTimeout, int commandQueueSize) {

    public BridgeConfig {
        requireNonNull(mqttUrl, "mqttUrl");
        requireNonNull(grpcTarget, "grpcTarget");
        requireNonNull(bridgeId, "bridgeId");
        requireNonNull(topicRoot, "topicRoot");
        requireNonNull(shareGroup, "shareGroup");
        if (bridgeId.isEmpty() || bridgeId.length() > 64) {
            throw new IllegalArgumentException("bridgeId: " + bridgeId + " (expected: 1..64 characters)");
        }
        if (receiveMaximum < 1 || receiveMaximum > 65535) {
            throw new IllegalArgumentException("receiveMaximum: " + receiveMaximum + " (expected: 1..65535)");
        }
        if (commandQueueSize < 0) {
            throw new IllegalArgumentException("commandQueueSize: " + commandQueueSize + " (expected: >= 0)");
        }
        if ((clientId == null) != (clientSecret == null)) {
            throw new IllegalArgumentException("client id and secret must be given together");
        }
    }

    /** Default of {@link #commandQueueSize()}. */
    public static final int DEFAULT_COMMAND_QUEUE_SIZE = 10_000;

    /** Defaults for everything but the broker and the server. */
    public static BridgeConfig of(String mqttUrl, String grpcTarget, String bridgeId) {
        return new BridgeConfig(mqttUrl, null, null, grpcTarget, false, null, null, bridgeId,
                RobotTopics.DEFAULT_ROOT, "chargebot-bridge", 1000, Duration.ofDays(1), Duration.ZERO,
                Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(30), DEFAULT_COMMAND_QUEUE_SIZE);
    }

    /** Reads the environment; mqttUrl is "" when MQTT_URL is not set (the caller starts an embedded broker). */
    public static BridgeConfig fromEnvironment(Map<String, String> env) {
        String bridgeId = blankToNull(env.get("CHARGEBOT_BRIDGE_ID"));
        if (bridgeId == null) {
            bridgeId = defaultBridgeId();
        }
        BridgeConfig base = of(nullToEmpty(env.get("MQTT_URL")),
                env.getOrDefault("CHARGEBOT_GRPC_TARGET", "127.0.0.1:50051"), bridgeId);
        String receiveMaximum = blankToNull(env.get("CHARGEBOT_BRIDGE_RECEIVE_MAXIMUM"));
        String flushMillis = blankToNull(env.get("CHARGEBOT_BRIDGE_FLUSH_MS"));
        String commandQueue = blankToNull(env.get("CHARGEBOT_BRIDGE_COMMAND_QUEUE"));
        return new BridgeConfig(base.mqttUrl(), blankToNull(env.get("MQTT_USERNAME")),
                blankToNull(env.get("MQTT_PASSWORD")), base.grpcTarget(),
                Boolean.parseBoolean(env.getOrDefault("CHARGEBOT_GRPC_TLS", "false")),
                blankToNull(env.get("CHARGEBOT_BRIDGE_CLIENT_ID")), blankToNull(env.get("CHARGEBOT_BRIDGE_CLIENT_SECRET")),
                bridgeId, env.getOrDefault("CHARGEBOT_MQTT_TOPIC_ROOT", RobotTopics.DEFAULT_ROOT),
                env.getOrDefault("CHARGEBOT_MQTT_SHARE_GROUP", base.shareGroup()),
                receiveMaximum == null ? base.receiveMaximum() : Integer.parseInt(receiveMaximum),
                base.sessionExpiry(),
                flushMillis == null ? base.flushInterval() : Duration.ofMillis(Long.parseLong(flushMillis)),
                base.minBackoff(), base.maxBackoff(), base.ackTimeout(),
                commandQueue == null ? base.commandQueueSize() : Integer.parseInt(commandQueue));
    }

    public BridgeConfig withMqttUrl(String url) {
        return new BridgeConfig(url, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, topicRoot, shareGroup, receiveMaximum, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                ackTimeout, commandQueueSize);
    }

    public BridgeConfig withTopicRoot(String root, String group) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, root, group, receiveMaximum, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                ackTimeout, commandQueueSize);
    }

    public BridgeConfig withReceiveMaximum(int max) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, topicRoot, shareGroup, max, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                ackTimeout, commandQueueSize);
    }

    public BridgeConfig withCredentials(String id, String secret) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, id, secret,
                bridgeId, topicRoot, shareGroup, receiveMaximum, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                ackTimeout, commandQueueSize);
    }

    public BridgeConfig withBackoff(Duration min, Duration max) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, topicRoot, shareGroup, receiveMaximum, sessionExpiry, flushInterval, min, max,
                ackTimeout, commandQueueSize);
    }

    public BridgeConfig withAckTimeout(Duration timeout) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, topicRoot, shareGroup, receiveMaximum, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                timeout, commandQueueSize);
    }

    public BridgeConfig withCommandQueueSize(int size) {
        return new BridgeConfig(mqttUrl, mqttUsername, mqttPassword, grpcTarget, grpcTls, clientId, clientSecret,
                bridgeId, topicRoot, shareGroup, receiveMaximum, sessionExpiry, flushInterval, minBackoff, maxBackoff,
                ackTimeout, size);
    }

    /** The MQTT client id: stable per bridge id so a restarted bridge resumes its session. */
    public String mqttClientId() {
        return "chargebot-bridge-" + bridgeId;
    }

    private static String defaultBridgeId() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (!host.isBlank()) {
                return host.length() > 64 ? host.substring(0, 64) : host;
            }
        } catch (Exception e) {
            // fall through
        }
        return "bridge-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
