package io.chargebot.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotState;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.robot.v1.UpdateRobotRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ProtoJson} against protobuf's own {@link JsonFormat}, the reference for the proto3 JSON mapping: random
 * messages of every robot protocol type both ways, the alternative spellings the mapping allows, and malformed
 * payloads that both must refuse.
 */
class ProtoJsonTest {

    private static final List<Supplier<Message.Builder>> TYPES = List.of(Telemetry::newBuilder,
            RobotEvent::newBuilder, ConnectionChange::newBuilder, RobotCommand::newBuilder);

    @Test
    void randomMessagesOfEveryTypeReadAndWriteLikeJsonFormat() throws Exception {
        Random random = new Random(20261124);
        JsonFormat.Printer compact = JsonFormat.printer().omittingInsignificantWhitespace();
        JsonFormat.Printer protoNamesPretty = JsonFormat.printer().preservingProtoFieldNames();
        for (int i = 0; i < 2_000; i++) {
            Supplier<Message.Builder> type = TYPES.get(i % TYPES.size());
            Message message = randomMessage(type.get(), random, 0);
            for (String json : List.of(compact.print(message), protoNamesPretty.print(message))) {
                assertThat(read(type.get(), json)).as(json).isEqualTo(message);
            }
            String ours = new String(ProtoJson.print(message), StandardCharsets.UTF_8);
            Message.Builder reference = type.get();
            JsonFormat.parser().merge(ours, reference);
            assertThat(reference.build()).as(ours).isEqualTo(message);
            assertThat(read(type.get(), ours)).as(ours).isEqualTo(message);
        }
    }

    @Test
    void writesTheMappingsCanonicalForms() {
        Telemetry telemetry = Telemetry.newBuilder().setRobotId("r\"1\\\n").setSequence(1795422600000001L)
                .setTime(Timestamp.newBuilder().setSeconds(1795422600).setNanos(250_000_000))
                .setState(RobotState.ROBOT_STATE_MOVING).setBatteryPercent(Double.NaN)
                .setSpeedMetersPerSecond(Double.NEGATIVE_INFINITY).setChargingPowerKw(7.5).build();
        assertThat(new String(ProtoJson.print(telemetry), StandardCharsets.UTF_8)).isEqualTo(
                "{\"robotId\":\"r\\\"1\\\\\\n\",\"sequence\":\"1795422600000001\",\"time\":\"2026-11-23T"
                        + "08:30:00.250Z\",\"state\":\"ROBOT_STATE_MOVING\",\"batteryPercent\":\"NaN\","
                        + "\"speedMetersPerSecond\":\"-Infinity\",\"chargingPowerKw\":7.5}");
    }

    @Test
    void writesTimestampsAsTimestampsToStringDoes() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            Timestamp t = Timestamp.newBuilder().setSeconds(random.nextLong(-62135596800L, 253402300800L))
                    .setNanos(switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    }).build();
            StringBuilder out = new StringBuilder();
            ProtoJson.writeTimestamp(out, t);
            assertThat(out.toString()).isEqualTo("\"" + Timestamps.toString(t) + "\"");
            assertThat(ProtoJson.timestamp(Timestamps.toString(t))).isEqualTo(t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"sequence\":12}",
        "{\"sequence\":\"12\"}",
        "{\"sequence\":1.2e1}",
        "{\"sequence\":\"12.0\"}",
        "{\"sequence\":\"+12\"}",
        "{ \"sequence\" : 9223372036854775807 , \"state\" : 3 }",
        "{\"state\":\"3\",\"battery_percent\":\"87.5\"}",
        "{\"batteryPercent\":\"Infinity\",\"chargingPowerKw\":-0.0,\"energyDeliveredKwh\":1E-3}",
        "{\"robotId\":null,\"state\":null,\"time\":null,\"position\":null}",
        "{\"position\":{},\"robotId\":\"\\u00e9\\ud83d\\ude97 \\/\\b\\f\\r\\t\"}",
        "{\"robotId\":\"é🚗 한글\",\"time\":\"2026-11-23T17:30:00.123456+09:00\"}",
        "{\"time\":\"1970-01-01T00:00:00Z\",\"errorMessage\":\"\"}",
        "{\"time\":\"2026-11-23T08:30:00.5-03:30\"}",
        "{\"time\":\"0001-01-01T00:00:00.000000001Z\"}",
        "{\"time\":\"9999-12-31T23:59:59.999999999Z\"}",
        "{\"position\":{\"location\":{\"latitude\":37.5,\"longitude\":127},\"heading_degrees\":359.9}}",
        "{\"state\":\"ROBOT_STATE_UNSPECIFIED\"}",
        // Names and enum values with escapes (matched after decoding, not byte by byte), and proto names.
        "{\"\\u0073equence\":7,\"st\\u0061te\":\"ROBOT_STATE_\\u004dOVING\",\"robot_id\":\"r-1\"}",
        "\t\r\n{}\n",
    })
    void acceptsWhatTheMappingAllowsAsJsonFormatDoes(String json) throws Exception {
        Telemetry.Builder reference = Telemetry.newBuilder();
        JsonFormat.parser().merge(json, reference);
        assertThat(read(Telemetry.newBuilder(), json)).isEqualTo(reference.build());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "[]", "[{}]", "null", "{", "{\"sequence\":1,}", "{,}", "{\"sequence\" 1}",
        "{\"sequence\":1 \"state\":2}",
        "{\"nope\":1}", "{\"robotId\":\"a\",\"robot_id\":\"b\"}",
        "{\"sequence\":\"x\"}", "{\"sequence\":1.5}", "{\"sequence\":9223372036854775808}", "{\"sequence\":{}}",
        "{\"sequence\":true}", "{\"sequence\":-}", "{\"sequence\":.5}", "{\"sequence\":1e}", "{\"sequence\":0x10}",
        "{\"batteryPercent\":\"lots\"}", "{\"batteryPercent\":1e999}", "{\"batteryPercent\":\"1e999\"}",
        "{\"batteryPercent\":\"nan\"}", "{\"batteryPercent\":\"1d\"}",
        "{\"batteryPercent\":\"0x1p3\"}", "{\"batteryPercent\":[]}",
        "{\"state\":\"MOVING\"}", "{\"state\":\"ROBOT_STATE_moving\"}", "{\"state\":1.5}", "{\"state\":{}}",
        "{\"time\":\"yesterday\"}", "{\"time\":\"2026-11-23\"}", "{\"time\":\"2026-11-23T08:30:00\"}",
        "{\"time\":1795422600}", "{\"time\":{\"seconds\":1}}", "{\"time\":\"2026-11-23T08:30Z\"}",
        "{\"time\":\"2026-11-23T08:30:00+0900\"}",
        "{\"time\":\"0000-12-31T00:00:00Z\"}", "{\"time\":\"2026-11-23 08:30:00Z\"}",
        "{\"position\":\"B2\"}", "{\"position\":{\"floor\":\"B2\",\"nope\":1}}", "{\"position\":[]}",
        "{\"robotId\":\"unterminated}", "{\"robotId\":\"bad \\x escape\"}", "{\"robotId\":\"\\u12\"}",
        "{\"robotId\":{}}",     })
    void refusesWhatJsonFormatRefuses(String json) {
        assertThatThrownBy(() -> JsonFormat.parser().merge(json, Telemetry.newBuilder()))
                .as("JsonFormat refuses it too").isInstanceOf(Exception.class);
        assertThatThrownBy(() -> read(Telemetry.newBuilder(), json)).isInstanceOf(ProtoJson.SyntaxException.class);
    }

    @Test
    void isStricterThanJsonFormatWhereRfc8259AndTheSchemaAre() throws Exception {
        // JsonFormat reads through Gson in lenient mode: it takes unquoted names and strings, single quotes, NaN,
        // leading zeros, a one-item array for a scalar, the last of duplicate names, content after the object, any
        // primitive for a string field, raw control characters in strings and SimpleDateFormat's lenient dates.
        for (String json : List.of("{}}", "{} {}", "{\"robotId\":\"a\"} trailing", "{sequence:1}",
                "{'sequence':1}", "{\"robotId\":nul}", "{\"robotId\":tru}", "{\"sequence\":01}",
                "{\"sequence\":1.}", "{\"sequence\":+1}", "{\"batteryPercent\":NaN}", "{\"sequence\":[1]}",
                "{\"robotId\":[\"a\"]}", "{\"sequence\":1,\"sequence\":2}", "{\"robotId\":123}",
                "{\"robotId\":true}", "{\"robotId\":\"a\tb\"}", "{\"time\":\"2026-13-01T00:00:00Z\"}",
                "{\"time\":\"2026-11-23T08:30:00.1234567890Z\"}")) {
            JsonFormat.parser().merge(json, Telemetry.newBuilder());
            assertThatThrownBy(() -> read(Telemetry.newBuilder(), json)).as(json)
                    .isInstanceOf(ProtoJson.SyntaxException.class);
        }
    }

    @Test
    void errorsNameTheFieldAndTheOffset() {
        assertThatThrownBy(() -> read(Telemetry.newBuilder(), "{\"sequence\":1,\"batteryPercent\":\"lots\"}"))
                .hasMessage("field batteryPercent: not a double: \"lots\" at offset 31");
        assertThatThrownBy(() -> read(Telemetry.newBuilder(), "{\"sequence\":1,\"battery\":1}"))
                .hasMessage("unknown field \"battery\" in chargebot.robot.v1.Telemetry at offset 14");
        assertThatThrownBy(() -> read(Telemetry.newBuilder(), "{\"position\":{\"floor\":2}}"))
                .hasMessage("field floor: expected a string at offset 21");
        assertThatThrownBy(() -> read(Telemetry.newBuilder(), "{\"state\":\"FLYING\"}"))
                .hasMessage("field state: unknown chargebot.robot.v1.RobotState value \"FLYING\" at offset 9");
    }

    @Test
    void robotsSkipCommandFieldsAndEnumValuesTheyDoNotKnow() throws Exception {
        RobotCommand command = RobotMessageCodec.decodeCommand(("{\"commandId\":\"c1\",\"type\":\"COMMAND_TYPE_NEW\","
                + "\"futureField\":{\"a\":[1,{\"b\":null},\"x\"],\"c\":false},\"spot\":{\"code\":\"A-1\","
                + "\"newer\":[]},\"plate\":\"12가3456\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(command).isEqualTo(RobotCommand.newBuilder().setCommandId("c1").setPlate("12가3456")
                .setSpot(command.getSpot().toBuilder().clearCode().setCode("A-1")).build());
        assertThatThrownBy(() -> RobotMessageCodec.decodeCommand("{\"x\":[1,}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }

    @Test
    void refusesMessageTypesItCannotMapWhenACodecIsBuilt() {
        ProtoJson.check(Telemetry.getDescriptor());
        assertThatThrownBy(() -> ProtoJson.check(Struct.getDescriptor())).hasMessageContaining("maps are not supported");
        assertThatThrownBy(() -> ProtoJson.check(UpdateRobotRequest.getDescriptor()))
                .hasMessageContaining("google.protobuf.FieldMask is not supported");
    }

    private static Message read(Message.Builder builder, String json) throws ProtoJson.SyntaxException {
        ProtoJson.merge(json.getBytes(StandardCharsets.UTF_8), builder);
        return builder.build();
    }

    /** A message with a random subset of its fields set to values that stress the mapping. */
    private static Message randomMessage(Message.Builder builder, Random random, int depth) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (field.isRepeated()) {
                for (int n = random.nextInt(3); n > 0; n--) {
                    builder.addRepeatedField(field, randomValue(builder, field, random, depth));
                }
            } else {
                builder.setField(field, randomValue(builder, field, random, depth));
            }
        }
        return builder.build();
    }

    private static Object randomValue(Message.Builder builder, FieldDescriptor field, Random random, int depth) {
        return switch (field.getJavaType()) {
            case MESSAGE -> {
                Descriptor type = field.getMessageType();
                if (type.equals(Timestamp.getDescriptor())) {
                    long seconds = random.nextLong(-62135596800L, 253402300799L);
                    int nanos = switch (random.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    };
                    yield Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
                }
                yield randomMessage(builder.newBuilderForField(field), random, depth + 1);
            }
            case STRING -> randomString(random);
            case ENUM -> {
                List<EnumValueDescriptor> values = field.getEnumType().getValues();
                yield random.nextInt(8) == 0 ? field.getEnumType().findValueByNumberCreatingIfUnknown(
                        1000 + random.nextInt(1000)) : values.get(random.nextInt(values.size()));
            }
            case BOOLEAN -> random.nextBoolean();
            case INT -> random.nextInt();
            case LONG -> random.nextBoolean() ? random.nextLong() : (long) random.nextInt(1000) + 1;
            case FLOAT -> (float) randomDouble(random);
            case DOUBLE -> randomDouble(random);
            case BYTE_STRING -> {
                byte[] bytes = new byte[random.nextInt(20)];
                random.nextBytes(bytes);
                yield ByteString.copyFrom(bytes);
            }
        };
    }

    private static double randomDouble(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> Double.NaN;
            case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2 -> random.nextDouble() * 1e300;
            case 3 -> -random.nextDouble() * 1e-300;
            case 4 -> random.nextInt(400) / 4.0;
            default -> (random.nextDouble() - 0.5) * 1000;
        };
    }

    private static String randomString(Random random) {
        String alphabet = "abcXYZ019 -_/가한글\"\\\n\t\u0001\u001f\u007f\u2028é🚗{}[],:";
        StringBuilder s = new StringBuilder();
        int[] codePoints = alphabet.codePoints().toArray();
        for (int n = random.nextInt(12); n > 0; n--) {
            s.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
        }
        return s.toString();
    }
}
