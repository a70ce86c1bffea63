package io.chargebot.bridge;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process MQTT 5 broker (HiveMQ CE embedded, in-memory persistence) on 127.0.0.1, for local development and
 * tests when no {@code MQTT_URL} is configured. Per-client queues hold 100,000 messages (the default 1,000 drops
 * robot messages while the bridge restarts).
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final EmbeddedHiveMQ hivemq;
    private final Path home;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, int port) {
        this.hivemq = hivemq;
        this.home = home;
        this.port = port;
    }

    /** Starts a broker on the given port (0: a free one) and waits until it accepts connections. */
    public static EmbeddedBroker start(int port) {
        int actualPort = port == 0 ? freePort() : port;
        try {
            Path home = Files.createTempDirectory("chargebot-hivemq-");
            Path conf = Files.createDirectories(home.resolve("conf"));
            Files.createDirectories(home.resolve("data"));
            Files.createDirectories(home.resolve("extensions"));
            Files.writeString(conf.resolve("config.xml"), """
                    <?xml version="1.0"?>
                    <hivemq>
                        <listeners>
                            <tcp-listener>
                                <port>%d</port>
                                <bind-address>127.0.0.1</bind-address>
                            </tcp-listener>
                        </listeners>
                        <mqtt>
                            <queued-messages>
                                <max-queue-size>100000</max-queue-size>
                            </queued-messages>
                        </mqtt>
                        <anonymous-usage-statistics>
                            <enabled>false</enabled>
                        </anonymous-usage-statistics>
                        <persistence>
                            <mode>in-memory</mode>
                        </persistence>
                    </hivemq>
                    """.formatted(actualPort));
            EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(home.resolve("data"))
                    .withExtensionsFolder(home.resolve("extensions"))
                    .withoutLoggingBootstrap()
                    .build();
            try {
                hivemq.start().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                hivemq.close();
                throw new IllegalStateException("cannot start the embedded MQTT broker on port " + actualPort, e);
            }
            log.info("Embedded MQTT broker (HiveMQ CE) listening on tcp://127.0.0.1:{}", actualPort);
            return new EmbeddedBroker(hivemq, home, actualPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot start the embedded MQTT broker", e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
            hivemq.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Embedded MQTT broker did not stop cleanly", e);
        } finally {
            deleteQuietly(home);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp dir; best effort
        }
    }
}
