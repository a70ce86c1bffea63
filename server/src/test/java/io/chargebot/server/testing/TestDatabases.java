package io.chargebot.server.testing;

import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.db.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * Fresh, empty PostgreSQL databases for tests. By default they live in one embedded PostgreSQL
 * shared by the JVM; when {@code CHARGEBOT_TEST_DATABASE_URL} names a server (e.g.
 * {@code postgres://postgres@127.0.0.1:5432/postgres}, as CI does with the machine's PostgreSQL),
 * they are created there instead. Each call creates a new database, so tests never see each
 * other's data.
 */
public final class TestDatabases {

    private static DatabaseSettings admin;

    private TestDatabases() {}

    /** Whether tests run against an external PostgreSQL server. */
    public static boolean external() {
        String url = System.getenv("CHARGEBOT_TEST_DATABASE_URL");
        return url != null && !url.isBlank();
    }

    /** Creates an empty database and returns how to reach it. */
    public static synchronized DatabaseSettings create() {
        DatabaseSettings server = admin();
        String name = "chargebot_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection connection = connect(server);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name.toLowerCase(Locale.ROOT));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database on " + server.displayUrl(), e);
        }
        String url = server.jdbcUrl();
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        String withoutDb = base.substring(0, base.lastIndexOf('/') + 1);
        return new DatabaseSettings(withoutDb + name + params, server.username(), server.password());
    }

    /** Opens a plain JDBC connection to {@code settings}. */
    public static Connection connect(DatabaseSettings settings) throws SQLException {
        Properties properties = new Properties();
        if (settings.username() != null) {
            properties.setProperty("user", settings.username());
        }
        if (settings.password() != null) {
            properties.setProperty("password", settings.password());
        }
        return DriverManager.getConnection(settings.jdbcUrl(), properties);
    }

    private static DatabaseSettings admin() {
        if (admin == null) {
            if (external()) {
                admin = DatabaseSettings.parse(System.getenv("CHARGEBOT_TEST_DATABASE_URL").trim());
            } else {
                EmbeddedDatabase embedded = EmbeddedDatabase.start(0);
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "embedded-postgres-stop"));
                admin = embedded.settings();
            }
        }
        return admin;
    }
}
