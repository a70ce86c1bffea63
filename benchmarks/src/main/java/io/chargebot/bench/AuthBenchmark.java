package io.chargebot.bench;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.SignInRequest;
import io.chargebot.auth.v1.SignInResponse;
import io.chargebot.user.v1.CreateAdminRequest;
import io.chargebot.user.v1.GetUserRequest;
import io.chargebot.user.v1.User;
import io.chargebot.user.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * Load client for the accounts issue, against a running server:
 * <ol>
 *   <li>{@code grpc.health.v1.Health/Check} at 32 callers — the stack's ceiling;</li>
 *   <li>authenticated {@code UserService/GetUser(users/me)} at 32 callers (JWT check + session check +
 *       one user read), each caller with its own session — target ≥ 0.6 × the health throughput;</li>
 *   <li>{@code AuthService/SignIn} with the right password at 200 callers: argon2id hashing is bounded
 *       on the server, so the only errors allowed are RESOURCE_EXHAUSTED (the intended throttling);
 *       server RSS is sampled to show memory stays bounded.</li>
 * </ol>
 * Flags: {@code --grpc=host:port --admin-password=... --server-pid=N [--warmup=10s] [--duration=30s]
 * [--connections=4] [--results=path.md] [--sign-in=false]}; {@code --sign-in=false} skips run c (for
 * quick profiling of runs a and b).
 */
public final class AuthBenchmark {

    private static final int READ_CALLERS = 32;
    private static final int SIGN_IN_CALLERS = 200;
    private static final String PASSWORD = "benchmark passphrase for load";
    /** Errors other than RESOURCE_EXHAUSTED in the measured SignIn period. */
    private static final AtomicLong OTHER_ERRORS = new AtomicLong();
    private static final AtomicLong MEASURED_THROTTLED = new AtomicLong();
    private static final AtomicLong MEASURED_OTHER = new AtomicLong();

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = BenchArgs.flags(args);
        String target = BenchArgs.required(flags, "grpc");
        String adminPassword = BenchArgs.required(flags, "admin-password");
        long serverPid = Long.parseLong(flags.getOrDefault("server-pid", "-1"));
        Duration warmup = Options.duration("warmup", flags.getOrDefault("warmup", "10s"));
        Duration measure = Options.duration("duration", flags.getOrDefault("duration", "30s"));
        int connections = Integer.parseInt(flags.getOrDefault("connections", "4"));
        boolean signIn = Boolean.parseBoolean(flags.getOrDefault("sign-in", "true"));
        String[] hostPort = Clients.splitHostPort(target);

        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            channels.add(NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                    .usePlaintext().directExecutor().userAgent("chargebot-auth-benchmark").build());
        }
        ManagedChannel setup = channels.get(0);
        String adminToken = AuthServiceGrpc.newBlockingStub(setup).signIn(SignInRequest.newBuilder()
                .setLoginId("admin").setPassword(adminPassword).build()).getTokens().getAccessToken();
        UserServiceGrpc.UserServiceBlockingStub admin = UserServiceGrpc.newBlockingStub(setup)
                .withInterceptors(BenchArgs.bearer(adminToken));
        System.out.println("creating " + SIGN_IN_CALLERS + " accounts ...");
        List<String> loginIds = new ArrayList<>();
        for (int i = 0; i < SIGN_IN_CALLERS; i++) {
            String loginId = "bench-" + i;
            try {
                admin.createAdmin(CreateAdminRequest.newBuilder().setLoginId(loginId).setDisplayName("Bench " + i)
                        .setPassword(PASSWORD).build());
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
            loginIds.add(loginId);
        }
        // One session per GetMe caller.
        UserServiceGrpc.UserServiceStub[] meStubs = new UserServiceGrpc.UserServiceStub[READ_CALLERS];
        for (int i = 0; i < READ_CALLERS; i++) {
            String token = AuthServiceGrpc.newBlockingStub(setup).signIn(SignInRequest.newBuilder()
                    .setLoginId(loginIds.get(i)).setPassword(PASSWORD).build()).getTokens().getAccessToken();
            meStubs[i] = UserServiceGrpc.newStub(channels.get(i % connections)).withInterceptors(BenchArgs.bearer(token));
        }
        HealthGrpc.HealthStub[] health = new HealthGrpc.HealthStub[connections];
        AuthServiceGrpc.AuthServiceStub[] auth = new AuthServiceGrpc.AuthServiceStub[connections];
        for (int i = 0; i < connections; i++) {
            health[i] = HealthGrpc.newStub(channels.get(i));
            auth[i] = AuthServiceGrpc.newStub(channels.get(i));
        }

        StringBuilder report = new StringBuilder();
        report.append("# ChargeBot accounts benchmark — ").append(LocalDate.now()).append("\n\n")
                .append("Produced by `benchmarks/run-auth-benchmark.sh` (`io.chargebot.bench.AuthBenchmark`) against `")
                .append(target).append("`; ").append(ProcStats.cpuModel()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores; the load client shares them with the ")
                .append("server and PostgreSQL. Warm-up ").append(warmup.toSeconds()).append(" s, measured ")
                .append(measure.toSeconds()).append(" s per run, closed loop, ").append(connections)
                .append(" HTTP/2 connections.\n\n")
                .append("| run | callers | req/s | p50 ms | p99 ms | p99.9 ms | errors | throttled | server CPU cores | PostgreSQL cores |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");

        ClosedLoop.Result healthResult = run(report, "a. Health/Check", READ_CALLERS, warmup, measure, serverPid, null,
                (caller, done) -> health[caller % connections].withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance(), new Observer<>(done,
                                r -> r.getStatus() == HealthCheckResponse.ServingStatus.SERVING, null)));
        ClosedLoop.Result meResult = run(report, "b. GetUser(users/me), authenticated", READ_CALLERS, warmup, measure, serverPid,
                null, (caller, done) -> meStubs[caller].withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getUser(GetUserRequest.newBuilder().setName("users/me").build(), new Observer<User>(done,
                                u -> u.getLoginId().equals("bench-" + caller), null)));
        AtomicLong throttled = new AtomicLong();
        LongAccumulator maxRss = new LongAccumulator(Math::max, 0);
        ScheduledExecutorService rssSampler = Executors.newSingleThreadScheduledExecutor();
        if (serverPid > 0) {
            rssSampler.scheduleAtFixedRate(() -> maxRss.accumulate(ProcStats.statusKb(serverPid, "VmRSS")), 0, 200,
                    TimeUnit.MILLISECONDS);
        }
        long rssBeforeKb = serverPid > 0 ? ProcStats.statusKb(serverPid, "VmRSS") : -1;
        ClosedLoop.Result signInResult = !signIn ? null : run(report, "c. SignIn (argon2id), right password", SIGN_IN_CALLERS, warmup, measure,
                serverPid, throttled, (caller, done) -> auth[caller % connections].withDeadlineAfter(30, TimeUnit.SECONDS)
                        .signIn(SignInRequest.newBuilder().setLoginId(loginIds.get(caller)).setPassword(PASSWORD).build(),
                                new Observer<SignInResponse>(done, r -> !r.getTokens().getAccessToken().isEmpty(), throttled)));
        rssSampler.shutdownNow();

        double ratio = meResult.throughput() / healthResult.throughput();
        report.append("\n| measure | value | target | verdict |\n|---|---:|---:|---|\n")
                .append(String.format(Locale.ROOT, "| GetMe ÷ Health/Check throughput | %.2f (%,.0f / %,.0f) | ≥ 0.6 | %s |%n",
                        ratio, meResult.throughput(), healthResult.throughput(), ratio >= 0.6 ? "met" : "**missed**"))
                .append(String.format(Locale.ROOT, "| GetMe p99 at 32 callers | %.2f ms | reported | |%n",
                        meResult.percentileMillis(99)));
        if (signInResult != null) {
            report.append(String.format(Locale.ROOT, "| SignIn at 200 callers: errors other than throttling | %d | 0 | %s |%n",
                        MEASURED_OTHER.get(), MEASURED_OTHER.get() == 0 ? "met" : "**missed**"))
                .append(String.format(Locale.ROOT, "| SignIn p99 at 200 callers | %.0f ms | reported | |%n",
                        signInResult.percentileMillis(99)))
                .append(String.format(Locale.ROOT, "| server RSS before / peak during SignIn | %,d / %,d KiB | bounded | |%n",
                        rssBeforeKb, maxRss.get()));
        }
        if (signInResult != null && signInResult.firstError() != null) {
            report.append("\nFirst SignIn error: `").append(signInResult.firstError()).append("`\n");
        }
        System.out.println();
        System.out.println(report);
        String results = flags.get("results");
        if (results != null) {
            Files.writeString(Path.of(results), report.toString());
            System.out.println("written to " + results);
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
    }

    private static ClosedLoop.Result run(StringBuilder report, String name, int callers, Duration warmup, Duration measure,
                                         long serverPid, AtomicLong throttled, ClosedLoop.AsyncCall call)
            throws InterruptedException {
        System.out.println("run " + name + " ...");
        if (throttled != null) {
            throttled.set(0);
        }
        ProcStats.Snapshot[] snaps = new ProcStats.Snapshot[2];
        ClosedLoop.Result result = new ClosedLoop(name, call, callers).run(warmup.toNanos(), measure.toNanos(),
                () -> {
                    if (throttled != null) {
                        throttled.set(0);
                        OTHER_ERRORS.set(0);
                    }
                    snaps[0] = ProcStats.snapshot(serverPid);
                },
                () -> {
                    snaps[1] = ProcStats.snapshot(serverPid);
                    if (throttled != null) {
                        MEASURED_THROTTLED.set(throttled.get());
                        MEASURED_OTHER.set(OTHER_ERRORS.get());
                    }
                });
        ProcStats.CpuUse cpu = ProcStats.between(snaps[0], snaps[1]);
        report.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %.2f | %d | %d | %.2f | %.2f |%n",
                name, callers, result.throughput(), result.percentileMillis(50), result.percentileMillis(99),
                result.percentileMillis(99.9), throttled == null ? result.errors() : MEASURED_OTHER.get(),
                throttled == null ? 0 : MEASURED_THROTTLED.get(), cpu.server(),
                cpu.postgres()));
        return result;
    }

    /** Completes a closed-loop call; RESOURCE_EXHAUSTED counts as intended throttling when a counter is given. */
    private static final class Observer<T> implements StreamObserver<T> {
        private final ClosedLoop.Completion done;
        private final java.util.function.Predicate<T> valid;
        private final AtomicLong throttled;
        private T value;

        Observer(ClosedLoop.Completion done, java.util.function.Predicate<T> valid, AtomicLong throttled) {
            this.done = done;
            this.valid = valid;
            this.throttled = throttled;
        }

        @Override
        public void onNext(T value) {
            this.value = value;
        }

        @Override
        public void onError(Throwable t) {
            if (throttled != null && Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                throttled.incrementAndGet();
            } else if (throttled != null) {
                OTHER_ERRORS.incrementAndGet();
            }
            done.failed(t);
        }

        @Override
        public void onCompleted() {
            if (value != null && valid.test(value)) {
                done.succeeded(0);
            } else {
                done.failed(new IllegalStateException("unexpected reply: " + value));
            }
        }
    }



    private AuthBenchmark() {}
}
