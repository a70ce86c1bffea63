package io.chargebot.platform;

import io.chargebot.bridge.BridgeConfig;
import io.chargebot.bridge.EmbeddedBroker;
import io.chargebot.bridge.RobotBridge;
import io.chargebot.bridge.sim.RobotSimulator;
import io.chargebot.gateway.GatewayConfig;
import io.chargebot.gateway.GrpcWebGateway;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.ServerOptions;
import io.chargebot.server.db.DatabaseSettings;
import io.grpc.Channel;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The whole platform in one process for local development and demos: PostgreSQL (embedded unless
 * {@code DATABASE_URL} is set), the gRPC server with demo data, and the gRPC-Web/JSON gateway in
 * front of it, and the robot side: an MQTT 5 broker (embedded HiveMQ CE unless {@code MQTT_URL} is set), the
 * robot bridge (with a service client generated for this run) and a few simulated robots
 * ({@code demo-robot-01}..); the bridge reads {@code CHARGEBOT_BRIDGE_ID}, {@code CHARGEBOT_MQTT_TOPIC_ROOT} and the
 * other settings of a stand-alone bridge ({@link BridgeConfig#fromEnvironment}). Ports default to 50051 (gRPC) and
 * 8080 (gateway) when free, otherwise free ones are picked; every address is printed.
 *
 * <pre>
 * java -jar chargebot-platform.jar [--grpc-port=N] [--gateway-port=N] [--no-demo-data] [--robots=N] [--no-mqtt]
 *                                   [--gateway-backend=in-process|network] [--bridge-backend=in-process|network]
 * </pre>
 */
public final class LocalPlatform implements AutoCloseable {

    /** Preferred gRPC port when free. */
    public static final int PREFERRED_GRPC_PORT = 50051;
    /** Preferred gateway port when free. */
    public static final int PREFERRED_GATEWAY_PORT = 8080;

    /** Simulated robots started by default. */
    public static final int DEFAULT_ROBOTS = 3;
    /** The bridge's service client id (its secret is generated per run). */
    static final String BRIDGE_CLIENT_ID = "robot-bridge";

    private final ChargeBotServer server;
    private final GrpcWebGateway gateway;
    /** What was started, and how the gateway and the bridge reach the server. */
    private final Options options;
    @Nullable
    private final RobotSide robots;

    private LocalPlatform(ChargeBotServer server, GrpcWebGateway gateway, Options options, @Nullable RobotSide robots) {
        this.options = options;
        this.server = server;
        this.gateway = gateway;
        this.robots = robots;
    }

    /** The MQTT broker (if embedded), the bridge and the simulator. */
    private record RobotSide(@Nullable EmbeddedBroker broker, String mqttUrl, RobotBridge bridge,
                             @Nullable RobotSimulator simulator) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (simulator != null) {
                    simulator.close();
                }
                bridge.close();
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }

    /**
     * What to start. A port of -1 means "the preferred port if free, else any free port"; 0 means any free port.
     * {@code robots}: -1 starts no MQTT side at all, 0 the broker and the bridge only, N also N simulated robots.
     */
    public record Options(int grpcPort, int gatewayPort, boolean demoData, @Nullable DatabaseSettings database,
                          int robots, boolean gatewayOverNetwork, boolean bridgeOverNetwork) {

        /** Without the robot side. */
        public Options(int grpcPort, int gatewayPort, boolean demoData, @Nullable DatabaseSettings database) {
            this(grpcPort, gatewayPort, demoData, database, -1);
        }

        /** With the gateway and the bridge calling the server in-process. */
        public Options(int grpcPort, int gatewayPort, boolean demoData, @Nullable DatabaseSettings database,
                       int robots) {
            this(grpcPort, gatewayPort, demoData, database, robots, false, false);
        }

        public static Options parse(String[] args, Map<String, String> env) {
            int grpcPort = -1;
            int gatewayPort = -1;
            boolean demoData = true;
            int robots = DEFAULT_ROBOTS;
            boolean gatewayOverNetwork = overNetwork("CHARGEBOT_GATEWAY_BACKEND=",
                    env.getOrDefault("CHARGEBOT_GATEWAY_BACKEND", "in-process"));
            boolean bridgeOverNetwork = overNetwork("CHARGEBOT_BRIDGE_BACKEND=",
                    env.getOrDefault("CHARGEBOT_BRIDGE_BACKEND", "in-process"));
            for (String arg : args) {
                if (arg.startsWith("--grpc-port=")) {
                    grpcPort = port(arg, "--grpc-port=");
                } else if (arg.startsWith("--gateway-port=")) {
                    gatewayPort = port(arg, "--gateway-port=");
                } else if (arg.equals("--no-demo-data")) {
                    demoData = false;
                } else if (arg.startsWith("--robots=")) {
                    robots = count(arg, "--robots=");
                } else if (arg.equals("--no-mqtt")) {
                    robots = -1;
                } else if (arg.startsWith("--gateway-backend=")) {
                    gatewayOverNetwork = overNetwork("--gateway-backend=", arg.substring("--gateway-backend=".length()));
                } else if (arg.startsWith("--bridge-backend=")) {
                    bridgeOverNetwork = overNetwork("--bridge-backend=", arg.substring("--bridge-backend=".length()));
                } else if (arg.equals("--help") || arg.equals("-h")) {
                    throw new UsageException(null);
                } else {
                    throw new UsageException("unknown option: " + arg);
                }
            }
            return new Options(grpcPort, gatewayPort, demoData, DatabaseSettings.fromEnvironment(env), robots,
                    gatewayOverNetwork, bridgeOverNetwork);
        }

        /**
         * How the gateway or the robot bridge of this process reaches the server. {@code in-process}: it calls the
         * server's services in this process (no second HTTP/2 hop, no serialising the messages again);
         * {@code network}: over the server's gRPC port, as a separately deployed gateway or bridge does.
         */
        private static boolean overNetwork(String prefix, String value) {
            return switch (value.trim()) {
                case "in-process" -> false;
                case "network" -> true;
                default -> throw new UsageException(prefix + value + " (expected: in-process or network)");
            };
        }

        private static int count(String arg, String prefix) {
            String value = arg.substring(prefix.length());
            try {
                int n = Integer.parseInt(value);
                if (n < 0 || n > 100) {
                    throw new UsageException(prefix + value + " (expected: 0..100)");
                }
                return n;
            } catch (NumberFormatException e) {
                throw new UsageException(prefix + value + " (expected: a number)");
            }
        }

        private static int port(String arg, String prefix) {
            String value = arg.substring(prefix.length());
            try {
                int port = Integer.parseInt(value);
                if (port < 0 || port > 65535) {
                    throw new UsageException(prefix + value + " (expected: 0..65535)");
                }
                return port;
            } catch (NumberFormatException e) {
                throw new UsageException(prefix + value + " (expected: a port number)");
            }
        }
    }

    /** Thrown for bad command-line options; a null message means "print usage". */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(@Nullable String message) {
            super(message);
        }
    }

    /** Starts the database (if embedded), the server, the gateway and (unless robots is -1) the robot side. */
    public static LocalPlatform start(Options options) {
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        String bridgeSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        Map<String, Object> properties = options.robots() < 0 ? Map.of()
                : Map.of("chargebot.service-clients", BRIDGE_CLIENT_ID + ":" + bridgeSecret + ":robot.connect");
        ServerOptions serverOptions = new ServerOptions(resolvePort(options.grpcPort(), PREFERRED_GRPC_PORT),
                options.database(), 0, options.demoData(), properties);
        ChargeBotServer server = ChargeBotServer.start(serverOptions);
        GrpcWebGateway gateway = null;
        try {
            GatewayConfig gatewayConfig = GatewayConfig.fromEnvironment(System.getenv()).toBuilder()
                    .port(resolvePort(options.gatewayPort(), PREFERRED_GATEWAY_PORT))
                    .target("127.0.0.1:" + server.grpcPort())
                    .targetTls(false)
                    .build();
            gateway = options.gatewayOverNetwork()
                    ? GrpcWebGateway.start(gatewayConfig)
                    : GrpcWebGateway.startColocated(gatewayConfig,
                            server.inProcessChannel(GrpcWebGateway.USER_AGENT));
            RobotSide robots = options.robots() < 0 ? null
                    : startRobotSide(options.robots(), server.grpcPort(), options.bridgeOverNetwork() ? null
                            : server.inProcessChannel(RobotBridge.USER_AGENT), bridgeSecret, System.getenv());
            return new LocalPlatform(server, gateway, options, robots);
        } catch (RuntimeException e) {
            if (gateway != null) {
                gateway.close();
            }
            server.close();
            throw e;
        }
    }

    /**
     * Broker (embedded unless MQTT_URL), bridge to the local server ({@code inProcess}, or over its gRPC port when
     * null), and {@code count} simulated robots.
     */
    private static RobotSide startRobotSide(int count, int grpcPort, @Nullable Channel inProcess, String bridgeSecret,
                                            Map<String, String> env) {
        String mqttUrl = env.getOrDefault("MQTT_URL", "");
        EmbeddedBroker broker = mqttUrl.isBlank() ? EmbeddedBroker.start(0) : null;
        if (broker != null) {
            mqttUrl = broker.url();
        }
        RobotBridge bridge = null;
        try {
            // The bridge's id (its MQTT session), topic root, share group, receive maximum and command queue may be
            // set as for a stand-alone bridge (BridgeConfig.fromEnvironment); the server and the credentials are this
            // run's.
            BridgeConfig fromEnv = BridgeConfig.fromEnvironment(env);
            BridgeConfig config = new BridgeConfig(mqttUrl, fromEnv.mqttUsername(), fromEnv.mqttPassword(),
                    "127.0.0.1:" + grpcPort, false, BRIDGE_CLIENT_ID, bridgeSecret,
                    env.getOrDefault("CHARGEBOT_BRIDGE_ID", "local-platform"), fromEnv.topicRoot(), fromEnv.shareGroup(),
                    fromEnv.receiveMaximum(), fromEnv.sessionExpiry(), fromEnv.flushInterval(), fromEnv.minBackoff(),
                    fromEnv.maxBackoff(), fromEnv.ackTimeout(), fromEnv.commandQueueSize());
            bridge = inProcess == null ? RobotBridge.start(config) : RobotBridge.start(config, inProcess);
            RobotSimulator simulator = null;
            if (count > 0) {
                List<String> ids = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    ids.add(String.format("demo-robot-%02d", i));
                }
                simulator = RobotSimulator.start(new RobotSimulator.Options(mqttUrl, config.topicRoot(), ids, 1000, 10));
            }
            return new RobotSide(broker, mqttUrl, bridge, simulator);
        } catch (RuntimeException e) {
            if (bridge != null) {
                bridge.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    public int grpcPort() {
        return server.grpcPort();
    }

    public int gatewayPort() {
        return gateway.port();
    }

    public ChargeBotServer server() {
        return server;
    }

    /** The robot bridge, or null when started without the robot side. */
    @Nullable
    public RobotBridge robotBridge() {
        return robots == null ? null : robots.bridge();
    }

    /** Prints where to connect, ending with one machine-readable READY line. */
    public void printAddresses(PrintStream out) {
        String grpc = "127.0.0.1:" + grpcPort();
        String gatewayUrl = "http://127.0.0.1:" + gatewayPort();
        DatabaseSettings database = server.database();
        out.println();
        out.println("ChargeBot local platform is running");
        out.println("  gRPC (apps, SDK, partners)  " + grpc + "   (plaintext, server reflection on)");
        out.println("  gRPC-Web + JSON gateway     " + gatewayUrl + (options.gatewayOverNetwork()
                ? "   (to the server over " + grpc + ")" : "   (to the server in this process)"));
        out.println("  API reference (DocService)  " + gatewayUrl + "/docs");
        out.println("  PostgreSQL                  " + database.displayUrl()
                + (server.embeddedDatabase() != null ? "   (embedded, user postgres, removed on exit)" : ""));
        if (robots != null) {
            out.println("  MQTT broker (robots)        " + robots.mqttUrl()
                    + (robots.broker() != null ? "   (embedded HiveMQ CE; docs/robot-protocol.md)" : ""));
            out.println("  Simulated robots            "
                    + (robots.simulator() != null ? String.join(", ", robots.simulator().robotIds()) : "none")
                    + "   (robot bridge \"local-platform\" -> RobotService/Connect" + (options.bridgeOverNetwork()
                            ? " over " + grpc + ")" : " in this process)"));
        }
        out.println("  Push notifications          local adapter, recorded not sent: SELECT * FROM dev_outbox_messages WHERE channel = 'PUSH'");
        out.println();
        out.println("Try it:");
        out.println("  curl '" + gatewayUrl + "/v1/parkingLots?location.latitude=37.5665&location.longitude=126.978&pageSize=3'");
        out.println("  npx @bufbuild/buf curl --protocol grpc --http2-prior-knowledge \\");
        out.println("    -d '{\"location\":{\"latitude\":37.5665,\"longitude\":126.978}}' \\");
        out.println("    http://" + grpc + "/chargebot.parking.v1.ParkingService/ListParkingLots");
        out.println("Press Ctrl+C to stop.");
        out.println("CHARGEBOT READY grpc=" + grpc + " gateway=" + gatewayUrl + " postgres=" + database.displayUrl());
        out.flush();
    }

    @Override
    public void close() {
        try {
            if (robots != null) {
                robots.close();
            }
        } finally {
            try {
                gateway.close();
            } finally {
                server.close();
            }
        }
    }

    /** -1: the preferred port if it is free, else a free one; otherwise the port as given. */
    static int resolvePort(int requested, int preferred) {
        if (requested >= 0) {
            return requested;
        }
        try (ServerSocket socket = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return preferred;
        } catch (IOException busy) {
            return 0;
        }
    }

    public static void main(String[] args) {
        // JNA (used by the embedded broker's system probe) unpacks its native library into a shared
        // cache directory and deletes "stale" files there at start; another JVM doing the same at that
        // moment can break it. Each platform process gets its own directory unless one is configured.
        if (System.getProperty("jna.tmpdir") == null) {
            try {
                java.nio.file.Path jnaDir = java.nio.file.Files.createTempDirectory("chargebot-jna-");
                jnaDir.toFile().deleteOnExit();
                System.setProperty("jna.tmpdir", jnaDir.toString());
            } catch (java.io.IOException e) {
                // Keep JNA's default directory.
            }
        }
        // ... and it unpacks it from this jar when its class initialises. Do that now, while this is the
        // only thread: later, a start-up thread that closes a shared handle on the jar (seen as
        // "Inflater has been closed" in Native.<clinit>) can break the unpacking half-way.
        try {
            Class.forName("com.sun.jna.Native", true, LocalPlatform.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // No JNA: the broker's system probe reports it when the broker starts.
        }
        Options options;
        try {
            options = Options.parse(args, System.getenv());
        } catch (UsageException e) {
            if (e.getMessage() != null) {
                System.err.println(e.getMessage());
            }
            System.err.println("usage: java -jar chargebot-platform.jar [--grpc-port=N] [--gateway-port=N] [--no-demo-data]"
                    + " [--robots=N] [--no-mqtt] [--gateway-backend=in-process|network] [--bridge-backend=in-process|network]");
            System.err.println("  --robots=N simulated robots (default " + DEFAULT_ROBOTS + "); --no-mqtt: no broker, bridge or robots;");
            System.err.println("  MQTT_URL=tcp://host:1883 uses that broker instead of an embedded HiveMQ CE;");
            System.err.println("  ports default to 50051 and 8080 when free (0 = any free port);");
            System.err.println("  --gateway-backend, --bridge-backend (CHARGEBOT_GATEWAY_BACKEND, CHARGEBOT_BRIDGE_BACKEND): in-process"
                    + " (default) or network: how the gateway and the bridge reach the server;");
            System.err.println("  DATABASE_URL=postgres://user:pass@host:5432/db uses that PostgreSQL instead of an embedded one.");
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        LocalPlatform platform = start(options);
        platform.server.closedByOwnerAtExit();
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "chargebot-platform-shutdown"));
        platform.printAddresses(System.out);
    }
}
