package io.chargebot.sdk;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real ChargeBot platform as a child process: the executable jar of the {@code platform}
 * module (system property {@code chargebot.platform.jar}), started with free ports and its embedded
 * PostgreSQL (or {@code DATABASE_URL}), ready once it printed its READY line.
 */
final class PlatformProcess implements AutoCloseable {

    private static final long STARTUP_TIMEOUT_SECONDS = 120;
    private static final Pattern READY =
            Pattern.compile("^CHARGEBOT READY grpc=(\\S+) gateway=(\\S+)(?: postgres=(\\S+))?");
    private static final int MAX_OUTPUT_CHARS = 200_000;

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private String grpcAddress;
    private String gatewayUrl;
    private String postgresUrl;

    private PlatformProcess(Process process) {
        this.process = process;
    }

    /** Starts the platform and waits for its READY line; fails the test if it does not come. */
    /** Whether the platform was given the test's DATABASE_URL (else it runs its embedded PostgreSQL). */
    private boolean environmentDatabase;

    boolean usesEnvironmentDatabase() {
        return environmentDatabase;
    }

    static PlatformProcess start() throws IOException {
        return start(new String[0]);
    }

    /**
     * Starts the platform with JVM options, e.g. {@code -Dchargebot.admin.password=...} (the
     * server's configuration reads system properties), and waits for its READY line.
     */
    static PlatformProcess start(String... jvmOptions) throws IOException {
        return start(false, jvmOptions);
    }

    /**
     * Like {@link #start(String...)}, but always on a fresh embedded PostgreSQL (DATABASE_URL is not
     * passed on): for tests that choose the initial admin's password, which only a new database takes.
     */
    static PlatformProcess startOnFreshDatabase(String... jvmOptions) throws IOException {
        return start(true, jvmOptions);
    }

    private static PlatformProcess start(boolean freshDatabase, String... jvmOptions) throws IOException {
        String jarProperty = System.getProperty("chargebot.platform.jar");
        if (jarProperty == null) {
            fail("System property chargebot.platform.jar is not set (the surefire configuration of client-sdk sets it)");
        }
        Path jar = Paths.get(jarProperty).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            fail("The platform jar " + jar + " does not exist: build it first, "
                    + "e.g. ./mvnw -pl client-sdk -am install (the reactor builds platform before client-sdk)");
        }
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        // The environment (e.g. DATABASE_URL) passes through to the platform.
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(Arrays.asList(jvmOptions));
        command.addAll(Arrays.asList("-jar", jar.toString(), "--grpc-port=0", "--gateway-port=0"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (freshDatabase) {
            builder.environment().remove("DATABASE_URL");
        }
        Process process = builder.start();
        PlatformProcess platform = new PlatformProcess(process);
        platform.environmentDatabase = !freshDatabase;
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> platform.readOutput(ready), "platform-output");
        reader.setDaemon(true);
        reader.start();
        try {
            Matcher line = ready.get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            platform.grpcAddress = line.group(1);
            platform.gatewayUrl = line.group(2);
            platform.postgresUrl = line.group(3);
            return platform;
        } catch (TimeoutException e) {
            platform.close();
            throw new AssertionError("The platform printed no READY line within " + STARTUP_TIMEOUT_SECONDS
                    + " s. Its output:\n" + platform.output);
        } catch (ExecutionException e) {
            platform.close();
            throw new AssertionError(e.getCause().getMessage() + " Its output:\n" + platform.output);
        } catch (InterruptedException e) {
            platform.close();
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for the platform");
        }
    }

    private void readOutput(CompletableFuture<Matcher> ready) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (output.length() < MAX_OUTPUT_CHARS) {
                    output.append(line).append('\n');
                }
                Matcher matcher = READY.matcher(line);
                if (matcher.find()) {
                    ready.complete(matcher);
                }
            }
        } catch (IOException e) {
            // The process went away; reported below.
        }
        try {
            ready.completeExceptionally(new IllegalStateException(
                    "The platform exited with code " + process.waitFor() + " before it was ready."));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The gRPC address, "127.0.0.1:port" (plaintext). */
    String grpcAddress() {
        return grpcAddress;
    }

    /** The gateway's base URL. */
    String gatewayUrl() {
        return gatewayUrl;
    }

    /** The JDBC URL of the platform's PostgreSQL (password redacted), or null if the READY line had none. */
    String postgresUrl() {
        return postgresUrl;
    }

    /** What the platform printed so far (capped). */
    String output() {
        return output.toString();
    }

    /** A plaintext client for the platform; the caller closes it. */
    ChargeBotClient.Builder clientBuilder(String userAgent) {
        return ChargeBotClient.builder().target(grpcAddress).usePlaintext().userAgent(userAgent);
    }

    /** Stops the platform and whatever it started (e.g. the embedded PostgreSQL). */
    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // e.g. the embedded PostgreSQL, if it outlived its parent.
        for (ProcessHandle child : tree) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
