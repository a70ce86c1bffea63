package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When the JVM exits, an embedded database whose owner closes it at exit keeps serving until that close (the
 * server finishes its calls first); one without an owner stops at once. Checked in a child JVM that exits.
 */
class EmbeddedDatabaseExitTest {

    @Test
    void anOwnedDatabaseServesTheOwnersExitHookAndIsGoneAfterwards() throws Exception {
        List<String> lines = runChild("owned");

        assertThat(lines).contains("ready", "owner hook query 1");
        int port = Integer.parseInt(lines.get(lines.indexOf("ready") - 1));
        assertThat(canConnect(port)).isFalse();
    }

    @Test
    void anUnownedDatabaseStopsAtExit() throws Exception {
        List<String> lines = runChild("unowned");

        assertThat(lines).contains("ready");
        int port = Integer.parseInt(lines.get(lines.indexOf("ready") - 1));
        assertThat(canConnect(port)).isFalse();
    }

    private static List<String> runChild(String mode) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), mode)
                .redirectErrorStream(true).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    private static boolean canConnect(int port) {
        try (Connection ignored = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/chargebot?connectTimeout=2", "postgres", null)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Starts a database, prints its port and "ready", and exits; as an owner, its exit hook queries it late. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            EmbeddedDatabase database = EmbeddedDatabase.start(0);
            DatabaseSettings settings = database.settings();
            if (args[0].equals("owned")) {
                database.ownerClosesAtExit();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Thread.sleep(1_000);
                        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.username(), null);
                             Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT 1")) {
                            rs.next();
                            System.out.println("owner hook query " + rs.getInt(1));
                        }
                    } catch (Exception e) {
                        System.out.println("owner hook failed: " + e);
                    } finally {
                        database.close();
                    }
                }));
            }
            System.out.println(database.port());
            System.out.println("ready");
            System.exit(0);
        }
    }
}
