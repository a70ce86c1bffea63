package io.chargebot.server.testing;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.ServerOptions;
import io.chargebot.server.db.DatabaseSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.Map;

/** Starts real servers on free ports, each on its own fresh database, for integration tests. */
public final class TestServers {

    private TestServers() {}

    /** A server on a new database, with the given extra Micronaut properties. */
    public static ChargeBotServer start(Map<String, Object> properties) {
        return start(TestDatabases.create(), properties);
    }

    public static ChargeBotServer start(DatabaseSettings database, Map<String, Object> properties, Object... singletons) {
        ServerOptions options = new ServerOptions(0, database, 0, false, properties);
        return ChargeBotServer.start(options, singletons);
    }

    /** A plaintext channel to {@code server} over a real socket. */
    public static ManagedChannel channel(ChargeBotServer server) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }
}
