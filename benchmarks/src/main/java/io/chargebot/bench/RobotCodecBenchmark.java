package io.chargebot.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chargebot.bridge.RobotMessageCodec;
import io.chargebot.bridge.RobotTopics;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.Telemetry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bridge's cost per robot message, in one thread: decoding the documented telemetry example (topic, JSON, robot
 * id and sequence checks) with the bridge's codec, against protobuf's {@code JsonFormat} parsing the same payload
 * alone (what the codec used before); and printing a dispatch command both ways.
 *
 * <pre>
 * ./mvnw -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/chargebot-benchmarks.jar org.openjdk.jmh.Main RobotCodecBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RobotCodecBenchmark {

    /** The telemetry example of docs/robot-protocol.md, as a robot sends it. */
    static final byte[] TELEMETRY = ("{\"robotId\":\"gangnam-01\",\"sequence\":\"1795422600000001\","
            + "\"time\":\"2026-11-23T08:30:00.250Z\",\"state\":\"ROBOT_STATE_MOVING\",\"position\":{\"floor\":\"B2\","
            + "\"xMeters\":12.5,\"yMeters\":40.0,\"headingDegrees\":90},\"batteryPercent\":87.5,"
            + "\"speedMetersPerSecond\":1.2,\"reservation\":\"reservations/8f1c0b9e\"}")
            .getBytes(StandardCharsets.UTF_8);
    static final String TOPIC = "chargebot/v1/robots/gangnam-01/telemetry";

    private final RobotMessageCodec codec = new RobotMessageCodec(new RobotTopics(RobotTopics.DEFAULT_ROOT));
    private final JsonFormat.Parser parser = JsonFormat.parser();
    private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
    private RobotCommand command;

    public RobotCodecBenchmark() {
        try {
            RobotCommand.Builder builder = RobotCommand.newBuilder();
            parser.merge("{\"commandId\":\"0b7c1f3e-5a2d-4c1e-9f00-1d2e3f4a5b6c\",\"robotId\":\"gangnam-01\","
                    + "\"type\":\"COMMAND_TYPE_GO_TO_SPOT\",\"reservation\":\"reservations/8f1c0b9e\",\"spot\":{"
                    + "\"lotLocation\":{\"latitude\":37.4979,\"longitude\":127.0276},\"floor\":\"B2\",\"code\":"
                    + "\"B2-017\",\"xMeters\":12.5,\"yMeters\":40.0},\"chargeEndTime\":\"2026-11-23T10:00:00Z\","
                    + "\"plate\":\"12가3456\",\"issueTime\":\"2026-11-23T08:30:00.250Z\",\"expireTime\":"
                    + "\"2026-11-23T08:31:00.250Z\"}", builder);
            command = builder.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public Object decodeTelemetry() {
        return codec.decode(TOPIC, TELEMETRY, RobotMessageCodec.JSON);
    }

    @Benchmark
    public Object decodeTelemetryWithJsonFormat() throws InvalidProtocolBufferException {
        Telemetry.Builder builder = Telemetry.newBuilder();
        parser.merge(new String(TELEMETRY, StandardCharsets.UTF_8), builder);
        return builder.build();
    }

    @Benchmark
    public byte[] encodeCommand() {
        return RobotMessageCodec.encodeCommand(command);
    }

    @Benchmark
    public byte[] encodeCommandWithJsonFormat() throws InvalidProtocolBufferException {
        return printer.print(command).getBytes(StandardCharsets.UTF_8);
    }
}
