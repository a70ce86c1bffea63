package io.chargebot.server;

import static java.util.Objects.requireNonNull;

import io.chargebot.server.db.DatabaseHealthMonitor;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.db.EmbeddedDatabase;
import io.micronaut.context.ApplicationContext;
import io.grpc.Channel;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.grpc.server.GrpcServerConfiguration;
import io.micronaut.core.annotation.Nullable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ChargeBot gRPC server: the Micronaut context, its gRPC server and, when no database was
 * configured, the embedded PostgreSQL it started. Used by {@link ServerMain}, the local platform and
 * tests; {@link #close()} shuts down gracefully (health NOT_SERVING, in-flight calls finish, then
 * the database).
 */
public final class ChargeBotServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ChargeBotServer.class);

    private final ApplicationContext context;
    private final GrpcEmbeddedServer grpcServer;
    private final DatabaseSettings database;
    @Nullable
    private final EmbeddedDatabase embeddedDatabase;
    /** Started by the first {@link #inProcessChannel}; guarded by {@code this}. */
    @Nullable
    private InProcessEndpoint inProcess;

    private ChargeBotServer(ApplicationContext context, GrpcEmbeddedServer grpcServer, DatabaseSettings database,
                            @Nullable EmbeddedDatabase embeddedDatabase) {
        this.context = context;
        this.grpcServer = grpcServer;
        this.database = database;
        this.embeddedDatabase = embeddedDatabase;
    }

    /** Starts the server (and an embedded PostgreSQL if {@code options.database()} is null). */
    public static ChargeBotServer start(ServerOptions options) {
        return start(options, new Object[0]);
    }

    /**
     * Starts the server with extra singleton beans that replace the defaults of their type, e.g. a
     * {@link java.time.Clock} that tests move forward.
     */
    public static ChargeBotServer start(ServerOptions options, Object... singletons) {
        requireNonNull(options, "options");
        EmbeddedDatabase embedded = null;
        DatabaseSettings database = options.database();
        if (database == null) {
            embedded = EmbeddedDatabase.start(options.embeddedDatabasePort());
            database = embedded.settings();
        }
        try {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("datasources.default.url", database.jdbcUrl());
            if (database.username() != null) {
                properties.put("datasources.default.username", database.username());
            }
            if (database.password() != null) {
                properties.put("datasources.default.password", database.password());
            }
            properties.put("grpc.server.port", options.grpcPort());
            properties.put("chargebot.demo-data.enabled", options.demoData());
            properties.putAll(options.properties());
            ApplicationContext context = ApplicationContext.builder(ServerMain.class)
                    .properties(properties)
                    .deduceEnvironment(false)
                    .banner(false)
                    .singletons(singletons)
                    .start();
            GrpcEmbeddedServer grpcServer = context.getBean(GrpcEmbeddedServer.class);
            grpcServer.start();
            logger.info("ChargeBot gRPC server listening on port {} (database {})",
                    grpcServer.getServer().getPort(), database.displayUrl());
            return new ChargeBotServer(context, grpcServer, database, embedded);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** The port gRPC listens on. */
    public int grpcPort() {
        return grpcServer.getServer().getPort();
    }

    /** The database in use (password never printed by {@link DatabaseSettings#toString()}). */
    public DatabaseSettings database() {
        return database;
    }

    /** The embedded database, or null when an external one is used. */
    @Nullable
    public EmbeddedDatabase embeddedDatabase() {
        return embeddedDatabase;
    }

    public ApplicationContext context() {
        return context;
    }

    /** Closes the server gracefully when the JVM exits (SIGTERM, Ctrl+C), before an embedded database stops. */
    public void closeAtExit() {
        closedByOwnerAtExit();
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "chargebot-shutdown"));
    }

    /**
     * Says that the caller's own exit hook closes this server (the local platform closes its gateway and robots
     * first): an embedded database then waits for that close instead of stopping under calls still served.
     */
    public void closedByOwnerAtExit() {
        if (embeddedDatabase != null) {
            embeddedDatabase.ownerClosesAtExit();
        }
    }

    /**
     * Opens a channel to this server's services for a caller in the same process, such as the local platform's
     * gateway: the same services, interceptors, executor and limits as the network port, without a socket; its
     * calls carry {@code userAgent}. The server closes the channel in {@link #close()}.
     */
    public synchronized Channel inProcessChannel(String userAgent) {
        if (inProcess == null) {
            inProcess = InProcessEndpoint.start(context);
        }
        return inProcess.openChannel(userAgent);
    }

    @Override
    public void close() {
        try {
            if (context.isRunning()) {
                context.getBean(DatabaseHealthMonitor.class).drain();
            }
            InProcessEndpoint inProcessEndpoint;
            synchronized (this) {
                inProcessEndpoint = inProcess;
            }
            if (inProcessEndpoint != null) {
                inProcessEndpoint.refuseNewCalls();
            }
            if (grpcServer.isRunning()) {
                // Refuses new calls and waits up to grpc.server.await-termination for in-flight ones;
                // long-lived streams still open after that are cancelled.
                grpcServer.stop();
                grpcServer.getServer().shutdownNow();
            }
            if (inProcessEndpoint != null) {
                // The same grace for the in-process calls, which had it while the network ones drained.
                inProcessEndpoint.close(context.getBean(GrpcServerConfiguration.class).getAwaitTermination());
            }
            if (context.isRunning()) {
                // Give the LISTEN connection back before the pool closes.
                context.getBean(io.chargebot.server.db.DatabaseNotifications.class).stop();
            }
            if (context.isRunning()) {
                context.close();
            }
        } finally {
            if (embeddedDatabase != null) {
                embeddedDatabase.close();
            }
        }
    }
}
