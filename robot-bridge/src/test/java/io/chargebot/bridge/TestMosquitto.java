package io.chargebot.bridge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Mosquitto process for one test, on a free loopback port with a configuration of the test's own (ACLs,
 * a small in-flight window). Tests skip themselves when {@link #installed()} is false.
 */
final class TestMosquitto implements AutoCloseable {

    static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;

    private TestMosquitto(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(MOSQUITTO);
    }

    /** Starts Mosquitto with {@code config} lines (after the listener) in {@code dir}; waits until it listens. */
    static TestMosquitto start(Path dir, List<String> config) throws IOException {
        int port = freePort();
        List<String> lines = new ArrayList<>();
        lines.add("listener " + port + " 127.0.0.1");
        lines.add("user root"); // as root, don't drop to the mosquitto user (it can't read the temp dir)
        lines.addAll(config);
        lines.add("");
        Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n", lines));
        Process process = new ProcessBuilder(MOSQUITTO.toString(), "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        TestMosquitto broker = new TestMosquitto(process, port);
        try {
            Await.until("mosquitto listening", () -> canConnect(port));
        } catch (AssertionError e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Freezes the broker (SIGSTOP): connections stay open, nothing is answered until {@link #resume()}. */
    void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
