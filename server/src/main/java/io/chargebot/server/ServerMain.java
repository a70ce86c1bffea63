package io.chargebot.server;

/**
 * Starts the ChargeBot gRPC server from environment variables (see {@link ServerOptions#fromEnvironment}).
 * Without {@code DATABASE_URL} it starts an embedded PostgreSQL and loads the demo data.
 */
public final class ServerMain {

    private ServerMain() {}

    public static void main(String[] args) {
        ChargeBotServer server = ChargeBotServer.start(ServerOptions.fromEnvironment(System.getenv()));
        server.closeAtExit();
        System.out.println("ChargeBot gRPC server: 127.0.0.1:" + server.grpcPort()
                + "  database: " + server.database().displayUrl());
    }
}
