package io.chargebot.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real PostgreSQL server (zonky's binaries from Maven Central) on a free
 * port, with a fresh data directory that is removed on close.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final String DATABASE = "chargebot";

    private final EmbeddedPostgres postgres;
    private final DatabaseSettings settings;

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
                    .setServerConfig("full_page_writes", "off");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
            EmbeddedDatabase database = new EmbeddedDatabase(postgres);
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

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            logger.warn("Embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
