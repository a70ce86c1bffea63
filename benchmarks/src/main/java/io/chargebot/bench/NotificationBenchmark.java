package io.chargebot.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Outbox throughput (issue 6): two server replicas (platform jars, each with its notification
 * dispatcher and the real firebase-admin adapter) on one database deliver N PENDING notifications
 * to a local FCM stand-in, which also serves the OAuth token endpoint named in a generated
 * service-account key. Reports notifications/s from commit to the last SENT row, how the replicas
 * shared the work, and duplicates (notification ids FCM received more than once; must be 0).
 *
 * <p>Flags: {@code --platform-jar}, {@code --database-url} (JDBC, with user/password parameters),
 * {@code --notifications} (default 20000), {@code --timeout} (default 60s), {@code --results} (a
 * Markdown file), {@code --server-java-opts}.
 */
public final class NotificationBenchmark {

    private static final Pattern NOTIFICATION_ID = Pattern.compile("\"notification_id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    private NotificationBenchmark() {}

    /** The FCM stand-in: token endpoint and messages:send, counting each notification id. */
    static final class FcmStandIn implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newFixedThreadPool(16);
        final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong tokenRequests = new AtomicLong();

        FcmStandIn() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            server.setExecutor(executor);
            server.createContext("/token", exchange -> {
                exchange.getRequestBody().readAllBytes();
                tokenRequests.incrementAndGet();
                reply(exchange, "{\"access_token\":\"bench-access-token\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
            });
            server.createContext("/v1/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                requests.incrementAndGet();
                Matcher m = NOTIFICATION_ID.matcher(body);
                String id = m.find() ? m.group(1) : "missing";
                received.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                reply(exchange, "{\"name\":\"projects/bench/messages/" + requests.get() + "\"}");
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private static void reply(HttpExchange exchange, String json) throws IOException {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = BenchArgs.flags(args);
        String platformJar = BenchArgs.required(flags, "platform-jar");
        String databaseUrl = BenchArgs.required(flags, "database-url");
        int count = Integer.parseInt(flags.getOrDefault("notifications", "20000"));
        Duration timeout = Duration.parse("PT" + flags.getOrDefault("timeout", "60s").toUpperCase());
        String javaOpts = flags.getOrDefault("server-java-opts", "-Xmx512m");
        Path work = Files.createTempDirectory("chargebot-notification-bench");
        List<Process> replicas = new ArrayList<>();
        try (FcmStandIn fcm = new FcmStandIn()) {
            Path key = work.resolve("service-account.json");
            Files.writeString(key, serviceAccount("http://127.0.0.1:" + fcm.port() + "/token"));
            for (String name : List.of("replica-a", "replica-b")) {
                replicas.add(startReplica(platformJar, javaOpts, databaseUrl, name, key, fcm.port(), work));
                waitReady(replicas.get(replicas.size() - 1), work.resolve(name + ".log"));
            }
            try (Connection db = DriverManager.getConnection(databaseUrl)) {
                seed(db, count);
                long start = System.nanoTime();
                enqueue(db, count);
                long deadline = start + timeout.toNanos();
                int sent = 0;
                while (System.nanoTime() < deadline && (sent = sent(db)) < count) {
                    Thread.sleep(50);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Integer> byReplica = deliveredBy(db);
                long duplicates = fcm.received.values().stream().filter(n -> n.get() > 1).count();
                String summary = String.format("Outbox throughput, 2 replicas (batch 50, firebase-admin -> local FCM stand-in): "
                        + "%d of %d notifications SENT in %.1f s = %.0f notifications/s; FCM requests %d; duplicates %d; "
                        + "share %s; OAuth token requests %d", sent, count, seconds, sent / seconds, fcm.requests.get(),
                        duplicates, byReplica, fcm.tokenRequests.get());
                System.out.println(summary);
                String results = flags.get("results");
                if (results != null) {
                    Files.writeString(Path.of(results), "# Notification outbox benchmark\n\n" + summary + "\n");
                }
                if (duplicates > 0 || sent < count) {
                    System.exit(1);
                }
            }
        } finally {
            for (Process replica : replicas) {
                replica.destroy(); // SIGTERM: graceful shutdown
            }
            for (Process replica : replicas) {
                if (!replica.waitFor(30, TimeUnit.SECONDS)) {
                    replica.destroyForcibly();
                }
            }
        }
    }

    /** A service-account key as Google issues it, with a fresh RSA key and the stand-in as token endpoint. */
    private static String serviceAccount(String tokenUri) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\\n-----END PRIVATE KEY-----\\n";
        return "{\"type\":\"service_account\",\"project_id\":\"chargebot-bench\",\"private_key_id\":\"bench\","
                + "\"private_key\":\"" + pem + "\",\"client_email\":\"bench@chargebot-bench.iam.gserviceaccount.com\","
                + "\"client_id\":\"1\",\"token_uri\":\"" + tokenUri + "\"}";
    }

    private static Process startReplica(String jar, String javaOpts, String databaseUrl, String name, Path key, int fcmPort,
                                        Path work) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(javaOpts.trim().split("\\s+")));
        command.addAll(List.of("-jar", jar, "--grpc-port=0", "--gateway-port=0", "--no-demo-data", "--no-mqtt"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile());
        Map<String, String> env = builder.environment();
        env.put("DATABASE_URL", databaseUrl);
        env.put("CHARGEBOT_SERVER_ID", name);
        env.put("CHARGEBOT_LOG_LEVEL", "WARN");
        env.put("CHARGEBOT_PUSH_PROVIDER", "fcm");
        env.put("CHARGEBOT_PUSH_FCM_CREDENTIALS_FILE", key.toString());
        env.put("CHARGEBOT_PUSH_FCM_BASE_URL", "http://127.0.0.1:" + fcmPort);
        return builder.start();
    }

    private static void waitReady(Process process, Path log) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < giveUp) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("CHARGEBOT READY ")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("a replica exited during start; see " + log);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no READY line within 120 s; see " + log);
    }

    /** Users with one device each. */
    private static void seed(Connection db, int count) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("INSERT INTO users (login_id, display_name) SELECT 'bench-' || g, 'bench' FROM generate_series(1, "
                    + count + ") g");
            s.execute("INSERT INTO devices (user_id, fcm_token) SELECT id, 'bench-token-' || id FROM users "
                    + "WHERE login_id LIKE 'bench-%'");
        }
    }

    /** One PENDING notification per user, committed at once (the insert trigger wakes both replicas). */
    private static void enqueue(Connection db, int count) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("INSERT INTO notification_outbox (idempotency_key, user_id, type, resource_name, title, body, data, expires_at) "
                    + "SELECT 'BENCH:' || u.id, u.id, 'ACCOUNT_UPDATED', 'users/' || u.id, 'Benchmark', 'Outbox throughput', "
                    + "jsonb_build_object('type', 'ACCOUNT_UPDATED', 'resource', 'users/' || u.id), now() + interval '1 hour' "
                    + "FROM users u WHERE u.login_id LIKE 'bench-%'");
        }
    }

    private static int sent(Connection db) throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM notification_outbox WHERE status = 'SENT'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** SENT rows per replica that delivered them (the outbox keeps the last claimer in claimed_by). */
    private static Map<String, Integer> deliveredBy(Connection db) throws SQLException {
        Map<String, Integer> shares = new TreeMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT claimed_by, count(*) FROM notification_outbox WHERE status = 'SENT' GROUP BY claimed_by");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                shares.put(String.valueOf(rs.getString(1)), rs.getInt(2));
            }
        }
        return shares;
    }
}
