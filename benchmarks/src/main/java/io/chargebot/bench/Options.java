package io.chargebot.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Command-line flags of {@link ParkingBenchmark}: {@code --name=value}, all optional. */
final class Options {

    static final String USAGE = String.join("\n",
            "usage: java -jar chargebot-benchmarks.jar [flags]",
            "  --grpc=HOST:PORT              ChargeBot gRPC server (default 127.0.0.1:50051)",
            "  --gateway=URL                 gRPC-Web gateway, e.g. http://127.0.0.1:8080 (gateway run skipped if unset)",
            "  --database-url=URL            PostgreSQL of the server (postgres://user@host:port/db or jdbc:postgresql://...);",
            "                                needed for seeding; without it no seeding is done",
            "  --seed-lots=N                 lots to seed when the parking_lots table is empty (default 100000; 0 = none)",
            "  --spots-per-lot=N             spots per seeded lot (default 4)",
            "  --concurrency=N               concurrent callers, closed loop (default 32)",
            "  --connections=N               HTTP/2 connections the callers share, per run (default 4)",
            "  --prewarm=DURATION            before the runs, all selected calls in turn for this long in total,",
            "                                so JIT compilation of client and server is done (default 20s)",
            "  --warmup=DURATION             warm-up per run, e.g. 10s (default 10s)",
            "  --duration=DURATION           measured period per run (default 30s)",
            "  --settle=DURATION             pause after seeding before idle RSS is read (default 5s)",
            "  --deadline=DURATION           deadline of every call (default 10s)",
            "  --radius=METRES               ListParkingLots radius_meters (default 5000)",
            "  --page-size=N                 ListParkingLots page_size (default 20)",
            "  --runs=LIST                   comma-separated: health,list,gateway,list-armeria",
            "                                (default health,list,gateway,list-armeria)",
            "  --gateway-protocol=h2c|h1c    HTTP version for the gRPC-Web run (default h2c)",
            "  --web-client=raw|stub         gRPC-Web/control client: raw = pre-framed POST through Armeria's WebClient,",
            "                                deframed and decoded here (default, cheapest); stub = Armeria's gRPC client",
            "  --server-pid=N                server process: idle RSS and CPU use are read from /proc/N",
            "  --server-start-ms=N           server start time measured by the caller, for the report",
            "  --random-seed=N               seed of the data and query generators (default 20240601)",
            "  --markdown=FILE               also write the summary as Markdown to FILE",
            "  --label=TEXT                  free text printed in the report (e.g. what was changed)");

    String grpcTarget = "127.0.0.1:50051";
    String gatewayUrl;
    String databaseUrl;
    int seedLots = 100_000;
    int spotsPerLot = 4;
    int concurrency = 32;
    int connections = 4;
    Duration prewarm = Duration.ofSeconds(20);
    Duration warmup = Duration.ofSeconds(10);
    Duration duration = Duration.ofSeconds(30);
    Duration settle = Duration.ofSeconds(5);
    Duration deadline = Duration.ofSeconds(10);
    int radiusMeters = 5_000;
    int pageSize = 20;
    List<String> runs = List.of("health", "list", "gateway", "list-armeria");
    String gatewayProtocol = "h2c";
    String webClient = "raw";
    long serverPid = -1;
    long serverStartMillis = -1;
    long randomSeed = 20240601L;
    String markdown;
    String label;

    static Options parse(String[] args) {
        Options o = new Options();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new IllegalArgumentException("");
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got: " + arg);
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            seen.put(name, value);
            switch (name) {
                case "grpc" -> o.grpcTarget = value;
                case "gateway" -> o.gatewayUrl = value.isBlank() ? null : stripSlash(value);
                case "database-url" -> o.databaseUrl = value.isBlank() ? null : value;
                case "seed-lots" -> o.seedLots = nonNegative(name, value);
                case "spots-per-lot" -> o.spotsPerLot = nonNegative(name, value);
                case "concurrency" -> o.concurrency = positive(name, value);
                case "connections" -> o.connections = positive(name, value);
                case "prewarm" -> o.prewarm = duration(name, value);
                case "warmup" -> o.warmup = duration(name, value);
                case "duration" -> o.duration = duration(name, value);
                case "settle" -> o.settle = duration(name, value);
                case "deadline" -> o.deadline = duration(name, value);
                case "radius" -> o.radiusMeters = positive(name, value);
                case "page-size" -> o.pageSize = positive(name, value);
                case "runs" -> {
                    List<String> runs = new ArrayList<>();
                    for (String run : value.split(",")) {
                        String r = run.trim().toLowerCase(Locale.ROOT);
                        if (r.isEmpty()) {
                            continue;
                        }
                        if (!List.of("health", "list", "gateway", "list-armeria").contains(r)) {
                            throw new IllegalArgumentException("--runs: unknown run " + r);
                        }
                        runs.add(r);
                    }
                    o.runs = List.copyOf(runs);
                }
                case "gateway-protocol" -> {
                    if (!value.equals("h2c") && !value.equals("h1c")) {
                        throw new IllegalArgumentException("--gateway-protocol: expected h2c or h1c");
                    }
                    o.gatewayProtocol = value;
                }
                case "web-client" -> {
                    if (!value.equals("raw") && !value.equals("stub")) {
                        throw new IllegalArgumentException("--web-client: expected raw or stub");
                    }
                    o.webClient = value;
                }
                case "server-pid" -> o.serverPid = Long.parseLong(value);
                case "server-start-ms" -> o.serverStartMillis = Long.parseLong(value);
                case "random-seed" -> o.randomSeed = Long.parseLong(value);
                case "markdown" -> o.markdown = value.isBlank() ? null : value;
                case "label" -> o.label = value.isBlank() ? null : value;
                default -> throw new IllegalArgumentException("unknown flag --" + name);
            }
        }
        if (o.runs.contains("gateway") && o.gatewayUrl == null) {
            List<String> runs = new ArrayList<>(o.runs);
            runs.remove("gateway");
            o.runs = List.copyOf(runs);
            System.err.println("note: no --gateway given; the gRPC-Web run is skipped");
        }
        return o;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static int positive(String name, String value) {
        int n = Integer.parseInt(value.trim());
        if (n <= 0) {
            throw new IllegalArgumentException("--" + name + ": must be positive");
        }
        return n;
    }

    private static int nonNegative(String name, String value) {
        int n = Integer.parseInt(value.trim().replace("_", ""));
        if (n < 0) {
            throw new IllegalArgumentException("--" + name + ": must not be negative");
        }
        return n;
    }

    /** "10s", "500ms", "2m", or a plain number of seconds. */
    static Duration duration(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": expected a duration like 10s or 500ms, got " + value);
        }
    }
}
