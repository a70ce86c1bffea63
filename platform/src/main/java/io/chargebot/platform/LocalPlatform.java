package io.chargebot.platform;

import io.chargebot.gateway.GatewayConfig;
import io.chargebot.gateway.GrpcWebGateway;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.ServerOptions;
import io.chargebot.server.db.DatabaseSettings;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The whole platform in one process for local development and demos: PostgreSQL (embedded unless
 * {@code DATABASE_URL} is set), the gRPC server with demo data, and the gRPC-Web/JSON gateway in
 * front of it. Ports default to 50051 (gRPC) and 8080 (gateway) when free, otherwise free ones are
 * picked; every address is printed.
 *
 * <pre>
 * java -jar chargebot-platform.jar [--grpc-port=N] [--gateway-port=N] [--no-demo-data]
 * </pre>
 */
public final class LocalPlatform implements AutoCloseable {

    /** Preferred gRPC port when free. */
    public static final int PREFERRED_GRPC_PORT = 50051;
    /** Preferred gateway port when free. */
    public static final int PREFERRED_GATEWAY_PORT = 8080;

    private final ChargeBotServer server;
    private final GrpcWebGateway gateway;

    private LocalPlatform(ChargeBotServer server, GrpcWebGateway gateway) {
        this.server = server;
        this.gateway = gateway;
    }

    /** What to start. A port of -1 means "the preferred port if free, else any free port"; 0 means any free port. */
    public record Options(int grpcPort, int gatewayPort, boolean demoData, @Nullable DatabaseSettings database) {

        public static Options parse(String[] args, Map<String, String> env) {
            int grpcPort = -1;
            int gatewayPort = -1;
            boolean demoData = true;
            for (String arg : args) {
                if (arg.startsWith("--grpc-port=")) {
                    grpcPort = port(arg, "--grpc-port=");
                } else if (arg.startsWith("--gateway-port=")) {
                    gatewayPort = port(arg, "--gateway-port=");
                } else if (arg.equals("--no-demo-data")) {
                    demoData = false;
                } else if (arg.equals("--help") || arg.equals("-h")) {
                    throw new UsageException(null);
                } else {
                    throw new UsageException("unknown option: " + arg);
                }
            }
            return new Options(grpcPort, gatewayPort, demoData, DatabaseSettings.fromEnvironment(env));
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

    /** Starts the database (if embedded), the server and the gateway. */
    public static LocalPlatform start(Options options) {
        ServerOptions serverOptions = new ServerOptions(resolvePort(options.grpcPort(), PREFERRED_GRPC_PORT),
                options.database(), 0, options.demoData(), Map.of());
        ChargeBotServer server = ChargeBotServer.start(serverOptions);
        try {
            GrpcWebGateway gateway = GrpcWebGateway.start(GatewayConfig.fromEnvironment(System.getenv()).toBuilder()
                    .port(resolvePort(options.gatewayPort(), PREFERRED_GATEWAY_PORT))
                    .target("127.0.0.1:" + server.grpcPort())
                    .targetTls(false)
                    .build());
            return new LocalPlatform(server, gateway);
        } catch (RuntimeException e) {
            server.close();
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

    /** Prints where to connect, ending with one machine-readable READY line. */
    public void printAddresses(PrintStream out) {
        String grpc = "127.0.0.1:" + grpcPort();
        String gatewayUrl = "http://127.0.0.1:" + gatewayPort();
        DatabaseSettings database = server.database();
        out.println();
        out.println("ChargeBot local platform is running");
        out.println("  gRPC (apps, SDK, partners)  " + grpc + "   (plaintext, server reflection on)");
        out.println("  gRPC-Web + JSON gateway     " + gatewayUrl);
        out.println("  API reference (DocService)  " + gatewayUrl + "/docs");
        out.println("  PostgreSQL                  " + database.displayUrl()
                + (server.embeddedDatabase() != null ? "   (embedded, user postgres, removed on exit)" : ""));
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
            gateway.close();
        } finally {
            server.close();
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
        Options options;
        try {
            options = Options.parse(args, System.getenv());
        } catch (UsageException e) {
            if (e.getMessage() != null) {
                System.err.println(e.getMessage());
            }
            System.err.println("usage: java -jar chargebot-platform.jar [--grpc-port=N] [--gateway-port=N] [--no-demo-data]");
            System.err.println("  ports default to 50051 and 8080 when free (0 = any free port);");
            System.err.println("  DATABASE_URL=postgres://user:pass@host:5432/db uses that PostgreSQL instead of an embedded one.");
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        LocalPlatform platform = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "chargebot-platform-shutdown"));
        platform.printAddresses(System.out);
    }
}
