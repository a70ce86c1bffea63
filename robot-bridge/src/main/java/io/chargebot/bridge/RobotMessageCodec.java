package io.chargebot.bridge;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.chargebot.robot.v1.ConnectRequest;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.Telemetry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns MQTT payloads of the robot protocol (docs/robot-protocol.md) into protobuf messages and commands into
 * payloads. Stateless and thread-safe.
 */
public final class RobotMessageCodec {

    /** Largest accepted payload, and the most of a rejected payload kept in a malformed report. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    /** Content type of JSON payloads. */
    public static final String JSON = "application/json";
    /** Content type prefix of protobuf payloads; followed by {@code ; messageType=<full name>}. */
    public static final String PROTOBUF = "application/x-protobuf";

    /** A message's deduplication key fields. */
    private record KeyFields(FieldDescriptor robotId, FieldDescriptor sequence) {
        static KeyFields of(Descriptor type) {
            return new KeyFields(requireNonNull(type.findFieldByName("robot_id"), "robot_id"),
                    requireNonNull(type.findFieldByName("sequence"), "sequence"));
        }
    }

    /** The key fields of each kind a robot publishes (looked up once, not per message). */
    private static final Map<RobotTopics.Kind, KeyFields> KEY_FIELDS = new EnumMap<>(Map.of(
            RobotTopics.Kind.TELEMETRY, KeyFields.of(Telemetry.getDescriptor()),
            RobotTopics.Kind.EVENTS, KeyFields.of(RobotEvent.getDescriptor()),
            RobotTopics.Kind.CONNECTION, KeyFields.of(ConnectionChange.getDescriptor())));

    static {
        for (var type : new Descriptor[] {Telemetry.getDescriptor(),
            RobotEvent.getDescriptor(), ConnectionChange.getDescriptor(), RobotCommand.getDescriptor()}) {
            ProtoJson.check(type);
        }
    }

    /** The result of decoding: a robot message to forward, or why it is malformed, or nothing to do. */
    public sealed interface Decoded permits Forward, Invalid, Ignore {
    }

    /** A robot message: one ConnectRequest (telemetry as a one-item batch) with its deduplication key. */
    public record Forward(String robotId, long sequence, RobotTopics.Kind kind, Message message) implements Decoded {

        public ConnectRequest toRequest() {
            return switch (kind) {
                case EVENTS -> ConnectRequest.newBuilder().setEvent((RobotEvent) message).build();
                case CONNECTION -> ConnectRequest.newBuilder().setConnection((ConnectionChange) message).build();
                default -> throw new IllegalStateException("telemetry is sent in batches");
            };
        }
    }

    /** A message that breaks the protocol, with the robot id from the topic when it had the right shape. */
    public record Invalid(String robotId, String error) implements Decoded {
    }

    /** A message to acknowledge and drop: a command (the bridge's own publish), or a cleared retained message. */
    public record Ignore(String why) implements Decoded {
    }

    private final RobotTopics topics;

    public RobotMessageCodec(RobotTopics topics) {
        this.topics = topics;
    }

    public Decoded decode(String topic, byte[] payload, String contentType) {
        RobotTopics.Parsed parsed = topics.parse(topic);
        if (parsed == null) {
            return new Invalid(topics.robotIdGuess(topic),
                    "wrong topic (expected: " + topics.root() + "/{robotId}/telemetry|events|connection)");
        }
        if (parsed.kind() == RobotTopics.Kind.COMMANDS) {
            return new Ignore("command");
        }
        if (payload.length == 0 && parsed.kind() == RobotTopics.Kind.CONNECTION) {
            return new Ignore("retained message cleared");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            return new Invalid(parsed.robotId(),
                    "payload too large: " + payload.length + " bytes (expected: at most " + MAX_PAYLOAD_BYTES + ")");
        }
        Message.Builder builder = switch (parsed.kind()) {
            case TELEMETRY -> Telemetry.newBuilder();
            case EVENTS -> RobotEvent.newBuilder();
            case CONNECTION -> ConnectionChange.newBuilder();
            case COMMANDS -> throw new AssertionError();
        };
        String error = parseInto(builder, payload, contentType);
        if (error != null) {
            return new Invalid(parsed.robotId(), error);
        }
        KeyFields keyFields = KEY_FIELDS.get(parsed.kind());
        FieldDescriptor robotIdField = keyFields.robotId();
        FieldDescriptor sequenceField = keyFields.sequence();
        String robotId = (String) builder.getField(robotIdField);
        if (robotId.isEmpty()) {
            builder.setField(robotIdField, parsed.robotId());
        } else if (!robotId.equals(parsed.robotId())) {
            return new Invalid(parsed.robotId(), "robotId " + truncate(robotId, 64)
                    + " does not match the topic's robot id " + parsed.robotId());
        }
        long sequence = (Long) builder.getField(sequenceField);
        if (sequence <= 0) {
            return new Invalid(parsed.robotId(), "sequence: " + sequence + " (expected: 1..2^63-1)");
        }
        return new Forward(parsed.robotId(), sequence, parsed.kind(), builder.build());
    }

    private static String parseInto(Message.Builder builder, byte[] payload, String contentType) {
        String type = contentType == null ? "" : contentType.trim();
        String base = type.contains(";") ? type.substring(0, type.indexOf(';')).trim() : type;
        String expectedName = builder.getDescriptorForType().getFullName();
        if (base.isEmpty() || base.equalsIgnoreCase(JSON)) {
            String charset = parameter(type, "charset");
            if (charset != null && !charset.equalsIgnoreCase("utf-8")) {
                return "unsupported charset " + truncate(charset, 40) + " (expected: utf-8)";
            }
            try {
                ProtoJson.merge(payload, builder);
                return null;
            } catch (ProtoJson.SyntaxException | RuntimeException e) {
                return "invalid JSON " + expectedName + ": " + truncate(String.valueOf(e.getMessage()), 400);
            }
        }
        if (base.equalsIgnoreCase(PROTOBUF)) {
            String messageType = parameter(type, "messageType");
            if (!expectedName.equals(messageType)) {
                return "content type " + truncate(type, 200) + " on this topic needs messageType=" + expectedName;
            }
            try {
                builder.mergeFrom(payload);
                return null;
            } catch (InvalidProtocolBufferException e) {
                return "invalid protobuf " + expectedName + ": " + truncate(String.valueOf(e.getMessage()), 400);
            }
        }
        return "unsupported content type " + truncate(type, 200) + " (expected: " + JSON + " or " + PROTOBUF
                + "; messageType=" + expectedName + ")";
    }

    private static String parameter(String contentType, String name) {
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                String value = part.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
        }
        return null;
    }

    /** The JSON payload of a command (content type application/json). */
    public static byte[] encodeCommand(RobotCommand command) {
        return ProtoJson.print(command);
    }

    /** The JSON payload of any robot protocol message (for robots and the simulator). */
    public static byte[] toJson(Message message) {
        return ProtoJson.print(message);
    }

    /** Parses a command payload (robots and the simulator); unknown fields and enum values are ignored. */
    public static RobotCommand decodeCommand(byte[] payload) throws InvalidProtocolBufferException {
        RobotCommand.Builder builder = RobotCommand.newBuilder();
        try {
            ProtoJson.merge(payload, builder, true);
        } catch (ProtoJson.SyntaxException e) {
            throw new InvalidProtocolBufferException("invalid JSON chargebot.robot.v1.RobotCommand: "
                    + e.getMessage());
        }
        return builder.build();
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
