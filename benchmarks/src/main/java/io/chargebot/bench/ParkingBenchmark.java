package io.chargebot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Load client for a running ChargeBot server. Seeds parking lots over South Korea (when given the
 * database and the table is empty), reads the server's idle RSS, then measures, each with the same
 * closed-loop client (N callers, each issuing its next call when the previous one completes):
 * <ol>
 *   <li>{@code grpc.health.v1.Health/Check} directly: the ceiling of the stack;</li>
 *   <li>{@code ListParkingLots} directly over gRPC;</li>
 *   <li>the same through the gateway as gRPC-Web;</li>
 *   <li>(control) the same directly over gRPC with the gateway run's client library (Armeria), so the
 *       gateway's own cost can be told apart from the client library's.</li>
 * </ol>
 * It prints a summary with the ratios the parking search issue is judged by, and can write it as
 * Markdown. The load client shares the machine's CPUs with the server and PostgreSQL; the report
 * says how the CPU time was split. See run-parking-benchmark.sh for a whole reproducible run.
 */
public final class ParkingBenchmark {

    static final double TARGET_LIST_TO_HEALTH = 0.5;
    static final double TARGET_LIST_P99_MS = 10.0;
    static final double TARGET_GATEWAY_TO_DIRECT = 0.5;
    /** Cores used by neither the server, PostgreSQL nor the client above which a run is flagged as disturbed. */
    static final double OTHER_CPU_WARNING = 0.15;

    private static final Map<String, String> RUN_TITLES = Map.of(
            "health", "a. Health/Check, direct gRPC",
            "list", "b. ListParkingLots, direct gRPC",
            "gateway", "c. ListParkingLots, gateway gRPC-Web",
            "list-armeria", "d. ListParkingLots, direct gRPC, gateway run's client (control)");

    record RunOutcome(ClosedLoop.Result result, ProcStats.CpuUse cpu) {}

    private ParkingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println(e.getMessage());
            }
            System.err.println(Options.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        int exit = run(options);
        System.exit(exit);
    }

    static int run(Options o) throws Exception {
        String started = OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        log("ChargeBot parking benchmark, " + started);
        log("server: grpc=" + o.grpcTarget + " gateway=" + (o.gatewayUrl == null ? "-" : o.gatewayUrl)
                + (o.serverPid > 0 ? " pid=" + o.serverPid : ""));

        Seeder.Result seed = null;
        String postgresVersion = "?";
        if (o.databaseUrl != null) {
            if (o.seedLots > 0) {
                log("seeding " + o.seedLots + " lots (" + o.spotsPerLot + " spots and 7 business-hour rows each) "
                        + "with COPY ...");
            }
            seed = Seeder.seed(o.databaseUrl, o.seedLots, o.spotsPerLot, o.randomSeed);
            postgresVersion = seed.postgresVersion();
            if (seed.skipped()) {
                log("not seeding: parking_lots already has " + seed.existingLots() + " rows");
            } else {
                long rows = seed.lots() + seed.spots() + seed.hours();
                log(String.format(Locale.ROOT, "seeded %,d lots, %,d spots, %,d hours rows in %.1f s "
                                + "(%,.0f rows/s), VACUUM ANALYZE %.1f s", seed.lots(), seed.spots(), seed.hours(),
                        seed.seconds(), rows / seed.seconds(), seed.analyzeSeconds()));
            }
        }

        if (o.databaseUrl != null) {
            long postmaster = Seeder.postmasterPid(o.databaseUrl);
            if (postmaster > 0) {
                ProcStats.postmasterPid = postmaster;
                log("PostgreSQL postmaster pid " + postmaster + ": its processes are the PostgreSQL CPU column");
            }
        }

        long idleRssKb = -1;
        if (o.serverPid > 0) {
            log("settling " + o.settle.toMillis() + " ms, then reading the server's idle RSS");
            Thread.sleep(o.settle.toMillis());
            idleRssKb = ProcStats.statusKb(o.serverPid, "VmRSS");
            log(String.format(Locale.ROOT, "idle RSS of pid %d: %.1f MiB", o.serverPid, idleRssKb / 1024.0));
        }

        Map<String, RunOutcome> outcomes = new LinkedHashMap<>();
        long rssAfterKb;
        long hwmKb;
        double seoulShare;
        try (Clients clients = new Clients(o)) {
            seoulShare = clients.seoulShare();
            for (String run : o.runs) {
                log("probe " + run + ": " + clients.probe(run));
            }
            if (!o.prewarm.isZero() && !o.runs.isEmpty()) {
                long each = o.prewarm.toNanos() / o.runs.size();
                log(String.format(Locale.ROOT, "pre-warm: %s for %.1f s each (JIT compilation of client and server; "
                        + "not measured)", String.join(", ", o.runs), each / 1e9));
                for (String run : o.runs) {
                    new ClosedLoop(run, clients.call(run), o.concurrency).run(each, 0, () -> { }, () -> { });
                }
            }
            for (String run : o.runs) {
                log(String.format(Locale.ROOT, "run %s: %d callers on %d connection(s), warm-up %d s, measure %d s",
                        RUN_TITLES.get(run), o.concurrency, o.connections, o.warmup.toSeconds(),
                        o.duration.toSeconds()));
                ClosedLoop loop = new ClosedLoop(run, clients.call(run), o.concurrency);
                ProcStats.Snapshot[] snaps = new ProcStats.Snapshot[2];
                ClosedLoop.Result result = loop.run(o.warmup.toNanos(), o.duration.toNanos(),
                        () -> snaps[0] = ProcStats.snapshot(o.serverPid),
                        () -> snaps[1] = ProcStats.snapshot(o.serverPid));
                ProcStats.CpuUse cpu = ProcStats.between(snaps[0], snaps[1]);
                outcomes.put(run, new RunOutcome(result, cpu));
                log(String.format(Locale.ROOT,
                        "  %,.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d; CPU cores: server %.2f, "
                                + "postgres %.2f, client %.2f, machine %.2f of %d",
                        result.throughput(), result.percentileMillis(50), result.percentileMillis(99),
                        result.errors(), cpu.server(), cpu.postgres(), cpu.client(), cpu.machine(), cpu.cores()));
                if (result.firstError() != null) {
                    log("  first error: " + result.firstError());
                }
                if (cpu.other() >= OTHER_CPU_WARNING) {
                    log(String.format(Locale.ROOT, "  WARNING: %.2f cores went to other programs or the kernel "
                            + "(%s): this run shared the CPUs with them", cpu.other(), cpu.otherProcessesAbove(0.03)));
                }
                Thread.sleep(2_000);
            }
            rssAfterKb = ProcStats.statusKb(o.serverPid, "VmRSS");
            hwmKb = ProcStats.statusKb(o.serverPid, "VmHWM");
        }
        if (o.databaseUrl != null && "?".equals(postgresVersion)) {
            postgresVersion = Seeder.version(o.databaseUrl);
        }

        String report = report(o, started, seed, postgresVersion, idleRssKb, rssAfterKb, hwmKb, seoulShare, outcomes);
        System.out.println();
        System.out.println(report);
        if (o.markdown != null) {
            Path path = Path.of(o.markdown);
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            Files.writeString(path, report);
            log("wrote " + path.toAbsolutePath());
        }
        long errors = outcomes.values().stream().mapToLong(r -> r.result().errors()).sum();
        return errors == 0 ? 0 : 1;
    }

    static String report(Options o, String started, Seeder.Result seed, String postgresVersion, long idleRssKb,
                         long rssAfterKb, long hwmKb, double seoulShare, Map<String, RunOutcome> outcomes)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# ChargeBot parking benchmark — ").append(started, 0, 10).append("\n\n");
        if (o.label != null) {
            md.append("**").append(o.label).append("**\n\n");
        }
        md.append("Produced by `benchmarks/run-parking-benchmark.sh` (`io.chargebot.bench.ParkingBenchmark`), ")
          .append(started).append(".\n\n");

        md.append("## Setup\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| machine | ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
          .append(ProcStats.cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
          .append(System.getProperty("os.version")).append(" |\n");
        md.append("| JDK (client) | ").append(System.getProperty("java.vm.name")).append(' ')
          .append(System.getProperty("java.runtime.version")).append(" |\n");
        md.append("| PostgreSQL | ").append(postgresVersion.replace("|", "/")).append(" |\n");
        if (o.serverPid > 0) {
            md.append("| server command | `").append(ProcStats.commandLine(o.serverPid)).append("` |\n");
        }
        md.append("| load | ").append(o.concurrency).append(" concurrent callers per run, closed loop (each issues its ")
          .append("next call when the previous one completes), all asynchronous with callbacks on the event loop, ")
          .append(o.connections).append(" HTTP/2 connection(s); runs a and b: grpc-java async stubs (Netty, ")
          .append("directExecutor); deadline ").append(o.deadline.toMillis()).append(" ms |\n");
        md.append("| periods | pre-warm ").append(o.prewarm.toSeconds()).append(" s over all runs, then per run: warm-up ")
          .append(o.warmup.toSeconds()).append(" s, then measured ")
          .append(o.duration.toSeconds()).append(" s |\n");
        md.append("| ListParkingLots | radius ").append(o.radiusMeters).append(" m, page size ").append(o.pageSize)
          .append(String.format(Locale.ROOT, ", origins drawn like the data (%.0f%% in Seoul's box, the rest over "
                  + "South Korea's box) |\n", seoulShare * 100));
        md.append("| gRPC-Web | ").append(o.webClient.equals("stub")
                        ? "Armeria gRPC client stub, `GrpcSerializationFormats.PROTO_WEB`"
                        : "pre-framed `application/grpc-web+proto` POST through Armeria's WebClient; replies deframed, "
                          + "grpc-status checked and decoded with the generated parser")
          .append(", ").append(o.gatewayProtocol).append("; run d sends plain gRPC with the same client to the "
                  + "server directly, so c ÷ d is the gateway's own cost |\n");
        if (seed != null) {
            if (seed.skipped()) {
                md.append("| data | existing: ").append(seed.existingLots()).append(" lots (not seeded) |\n");
            } else {
                long rows = seed.lots() + seed.spots() + seed.hours();
                md.append(String.format(Locale.ROOT, "| data | %,d lots (40%% in Seoul's box), %,d spots, %,d "
                                + "business-hour rows, seeded with COPY in %.1f s (%,.0f rows/s) + VACUUM ANALYZE "
                                + "%.1f s |\n", seed.lots(), seed.spots(), seed.hours(), seed.seconds(),
                        rows / seed.seconds(), seed.analyzeSeconds()));
            }
        }
        md.append("\nThe load client runs on the same ").append(Runtime.getRuntime().availableProcessors())
          .append(" cores as the server and PostgreSQL, so every number below includes the client's own CPU ")
          .append("use (shown per run); on separate machines the server would get more of the CPU.\n\n");

        md.append("## Results\n\n");
        md.append("| run | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | lots/reply |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, RunOutcome> e : outcomes.entrySet()) {
            ClosedLoop.Result r = e.getValue().result();
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %s |\n",
                    RUN_TITLES.get(e.getKey()), r.throughput(), r.percentileMillis(50), r.percentileMillis(90),
                    r.percentileMillis(99), r.percentileMillis(99.9), r.percentileMillis(100), r.errors(),
                    e.getKey().equals("health") ? "-" : String.format(Locale.ROOT, "%.2f", r.itemsPerReply())));
        }
        md.append("\nCPU during the measured period, in cores (of ")
          .append(Runtime.getRuntime().availableProcessors()).append("), and CPU time per call (background work — JIT, "
                  + "GC, the server's 1 s database probe — is included, so per-call figures overstate at low call "
                  + "rates):\n\n");
        md.append("| run | server | PostgreSQL | load client | other | machine busy | server µs/call | PostgreSQL µs/call"
                + " | client µs/call |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, RunOutcome> e : outcomes.entrySet()) {
            ClosedLoop.Result r = e.getValue().result();
            ProcStats.CpuUse c = e.getValue().cpu();
            double rate = r.throughput();
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |\n",
                    RUN_TITLES.get(e.getKey()), c.server(), c.postgres(), c.client(), c.other(), c.machine(),
                    c.server() / rate * 1e6, c.postgres() / rate * 1e6, c.client() / rate * 1e6));
        }
        List<String> disturbed = new ArrayList<>();
        for (Map.Entry<String, RunOutcome> e : outcomes.entrySet()) {
            ProcStats.CpuUse c = e.getValue().cpu();
            if (c.other() >= OTHER_CPU_WARNING) {
                disturbed.add(String.format(Locale.ROOT, "- %s: %.2f cores (%s)", RUN_TITLES.get(e.getKey()),
                        c.other(), c.otherProcessesAbove(0.03)));
            }
        }
        if (disturbed.isEmpty()) {
            md.append("\n\"other\" (programs other than the server, PostgreSQL and the client, and the kernel) stayed "
                    + "below ").append(OTHER_CPU_WARNING).append(" cores in every run.\n");
        } else {
            md.append("\n**Disturbed runs**: other programs or the kernel used CPU during these runs, so their numbers "
                    + "are lower than the machine can do (processes using ≥ 0.03 cores listed):\n\n")
              .append(String.join("\n", disturbed)).append('\n');
        }
        List<String> errorsSeen = new ArrayList<>();
        for (Map.Entry<String, RunOutcome> e : outcomes.entrySet()) {
            ClosedLoop.Result r = e.getValue().result();
            if (r.firstError() != null) {
                errorsSeen.add(String.format(Locale.ROOT, "- %s: %d errors in the measured period, %d outside; "
                        + "first: `%s`", RUN_TITLES.get(e.getKey()), r.errors(), r.warmupErrors(), r.firstError()));
            }
        }
        if (!errorsSeen.isEmpty()) {
            md.append("\nErrors:\n\n").append(String.join("\n", errorsSeen)).append('\n');
        }

        md.append("\n## Against the targets\n\n");
        md.append("| measure | value | target | verdict |\n|---|---:|---:|---|\n");
        RunOutcome health = outcomes.get("health");
        RunOutcome list = outcomes.get("list");
        RunOutcome gateway = outcomes.get("gateway");
        RunOutcome control = outcomes.get("list-armeria");
        if (health != null && list != null) {
            double ratio = list.result().throughput() / health.result().throughput();
            md.append(String.format(Locale.ROOT, "| ListParkingLots ÷ Health/Check throughput | %.3f (%,.0f / %,.0f) "
                            + "| ≥ %.1f | %s |\n", ratio, list.result().throughput(), health.result().throughput(),
                    TARGET_LIST_TO_HEALTH, verdict(ratio >= TARGET_LIST_TO_HEALTH)));
        }
        if (list != null) {
            double p99 = list.result().percentileMillis(99);
            md.append(String.format(Locale.ROOT, "| ListParkingLots p99 at %d callers | %.2f ms | ≤ %.0f ms | %s |\n",
                    o.concurrency, p99, TARGET_LIST_P99_MS, verdict(p99 <= TARGET_LIST_P99_MS)));
        }
        if (gateway != null && list != null) {
            double ratio = gateway.result().throughput() / list.result().throughput();
            md.append(String.format(Locale.ROOT, "| gateway gRPC-Web ÷ direct gRPC throughput | %.3f (%,.0f / %,.0f) "
                            + "| ≥ %.1f | %s |\n", ratio, gateway.result().throughput(), list.result().throughput(),
                    TARGET_GATEWAY_TO_DIRECT, verdict(ratio >= TARGET_GATEWAY_TO_DIRECT)));
        }
        if (gateway != null && control != null) {
            double ratio = gateway.result().throughput() / control.result().throughput();
            md.append(String.format(Locale.ROOT, "| (control) gateway ÷ direct, both with the gateway run's client | %.3f "
                    + "| | |\n", ratio));
        }
        md.append("| server start time (launch to READY) | ")
          .append(o.serverStartMillis >= 0 ? String.format(Locale.ROOT, "%,d ms", o.serverStartMillis) : "n/a")
          .append(" | | reported |\n");
        md.append("| server idle RSS (after seeding, ").append(o.settle.toSeconds()).append(" s settle) | ")
          .append(idleRssKb >= 0 ? String.format(Locale.ROOT, "%.1f MiB", idleRssKb / 1024.0) : "n/a")
          .append(" | | reported |\n");
        if (rssAfterKb >= 0) {
            md.append(String.format(Locale.ROOT, "| server RSS after the runs (peak) | %.1f MiB (%.1f MiB) | | "
                    + "reported |\n", rssAfterKb / 1024.0, hwmKb / 1024.0));
        }
        return md.toString();
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**MISSED**";
    }

    static void log(String message) {
        System.out.println("[bench " + String.format(Locale.ROOT, "%tT", System.currentTimeMillis()) + "] " + message);
        System.out.flush();
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
