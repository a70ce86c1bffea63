package io.chargebot.bench;

import io.chargebot.auth.v1.AuthServiceGrpc;
import io.chargebot.auth.v1.SendVerificationCodeRequest;
import io.chargebot.auth.v1.SignUpRequest;
import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;
import io.chargebot.auth.v1.VerifyCodeRequest;
import io.chargebot.car.v1.Car;
import io.chargebot.car.v1.CarServiceGrpc;
import io.chargebot.car.v1.ConnectorType;
import io.chargebot.car.v1.CreateCarRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Load client for the reservations issue, against a running server and its database:
 * <ol>
 *   <li>{@code Health/Check} at 32 callers — the stack's ceiling in this run;</li>
 *   <li>{@code CreateReservation} at 32 callers under contention: half of the requests go to the 8
 *       spots of one hot lot, the rest to 19 other lots; random 30/60-minute windows on the next
 *       29 days; 32 drivers with 4 cars each. Bookings/s, conflicts/s, p50/p99;</li>
 *   <li>double bookings afterwards: a self-join over active reservations (must be 0);</li>
 *   <li>the raw rate of the same INSERT statement the server runs, through JDBC at 32 threads
 *       straight to PostgreSQL (no gRPC, no validation), on a separate lot;</li>
 *   <li>{@code GetAvailability} of a random lot and day at 32 callers: p99.</li>
 * </ol>
 * Flags: {@code --grpc=host:port --database-url=postgres://... [--warmup=5s] [--duration=30s]
 * [--connections=4] [--server-pid=N] [--results=path.md]}.
 */
public final class ReservationBenchmark {

    private static final int CALLERS = 32;
    private static final int CARS_PER_DRIVER = 4;
    private static final int LOTS = 20;
    private static final int SPOTS_PER_LOT = 8;
    private static final int DAYS = 29;
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    private static final Pattern CODE = Pattern.compile("\\[(\\d{6,10})]");

    /** The booking statement of ReservationGrpcService, verbatim, for the raw rate. */
    private static final String BOOK = "WITH car AS (SELECT plate_normalized FROM cars "
            + "WHERE id = ? AND user_id = ? AND deleted_at IS NULL FOR KEY SHARE), "
            + "spot AS (SELECT s.id FROM spots s JOIN parking_lots l ON l.id = s.lot_id "
            + "WHERE s.id = ? AND s.lot_id = ? AND s.deleted_at IS NULL AND s.enabled AND l.open FOR KEY SHARE OF s) "
            + "INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, period, request_id, created_at, "
            + "updated_at) SELECT ?, ?, ?, ?, car.plate_normalized, tstzrange(?, ?), ?, ?, ? FROM car, spot "
            + "RETURNING id, plate_normalized";

    private record Lot(UUID id, List<UUID> spots) {}

    private record Driver(ReservationServiceGrpc.ReservationServiceStub stub, List<String> cars) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = BenchArgs.flags(args);
        String target = BenchArgs.required(flags, "grpc");
        String databaseUrl = BenchArgs.required(flags, "database-url");
        long serverPid = Long.parseLong(flags.getOrDefault("server-pid", "-1"));
        Duration warmup = Options.duration("warmup", flags.getOrDefault("warmup", "5s"));
        Duration measure = Options.duration("duration", flags.getOrDefault("duration", "30s"));
        int connections = Integer.parseInt(flags.getOrDefault("connections", "4"));
        String[] hostPort = Clients.splitHostPort(target);
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            channels.add(NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                    .usePlaintext().directExecutor().userAgent("chargebot-reservation-benchmark").build());
        }

        System.out.println("creating " + LOTS + " lots with " + SPOTS_PER_LOT + " spots, and a raw-insert lot ...");
        List<Lot> lots = new ArrayList<>();
        Lot rawLot;
        try (Connection db = Seeder.connect(databaseUrl)) {
            for (int i = 0; i < LOTS; i++) {
                lots.add(lot(db, "Bench lot " + i, SPOTS_PER_LOT));
            }
            rawLot = lot(db, "Raw insert lot", CALLERS);
        }
        System.out.println("signing up " + CALLERS + " drivers with " + CARS_PER_DRIVER + " cars each ...");
        List<Driver> drivers = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            ManagedChannel channel = channels.get(i % connections);
            String token = signUp(channel, databaseUrl, i);
            tokens.add(token);
            CarServiceGrpc.CarServiceBlockingStub cars = CarServiceGrpc.newBlockingStub(channel).withInterceptors(BenchArgs.bearer(token));
            List<String> names = new ArrayList<>();
            for (int c = 0; c < CARS_PER_DRIVER; c++) {
                names.add(cars.createCar(CreateCarRequest.newBuilder().setCar(Car.newBuilder()
                        .setPlate(String.format("%d가%04d", 10 + i, 1000 + c)).setConnectorType(ConnectorType.CONNECTOR_TYPE_DC_COMBO1))
                        .build()).getName());
            }
            drivers.add(new Driver(ReservationServiceGrpc.newStub(channel).withInterceptors(BenchArgs.bearer(token)), names));
        }
        HealthGrpc.HealthStub[] health = new HealthGrpc.HealthStub[connections];
        for (int i = 0; i < connections; i++) {
            health[i] = HealthGrpc.newStub(channels.get(i));
        }

        StringBuilder report = new StringBuilder();
        report.append("# ChargeBot reservations benchmark — ").append(LocalDate.now()).append("\n\n")
                .append("Produced by `benchmarks/run-reservation-benchmark.sh` (`io.chargebot.bench.ReservationBenchmark`) against `")
                .append(target).append("`; ").append(ProcStats.cpuModel()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores shared by the load client, the server and ")
                .append("PostgreSQL. Warm-up ").append(warmup.toSeconds()).append(" s, measured ").append(measure.toSeconds())
                .append(" s per run, closed loop, ").append(connections).append(" HTTP/2 connections. Bookings: ")
                .append(CALLERS).append(" drivers × ").append(CARS_PER_DRIVER).append(" cars; half of the requests on the 8 spots ")
                .append("of one hot lot, half on ").append(LOTS - 1).append(" other lots of 8 spots; a random 30- or 60-minute ")
                .append("window on the next ").append(DAYS).append(" days (lots open around the clock).\n\n")
                .append("| run | callers | calls/s | bookings/s | conflicts/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU cores | PostgreSQL cores |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");

        ClosedLoop.Result healthResult = run(report, "a. Health/Check", warmup, measure, serverPid, null,
                (caller, done) -> health[caller % connections].withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance(), new Observer<>(done,
                                r -> r.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? 0 : -1, null)));

        LocalDate today = Instant.now().atZone(SEOUL).toLocalDate();
        AtomicLong conflicts = new AtomicLong();
        ClosedLoop.Result bookResult = run(report, "b. CreateReservation (hot spots)", warmup, measure, serverPid, conflicts,
                (caller, done) -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    Driver driver = drivers.get(caller);
                    Lot lot = random.nextBoolean() ? lots.get(0) : lots.get(1 + random.nextInt(LOTS - 1));
                    UUID spot = lot.spots().get(random.nextInt(SPOTS_PER_LOT));
                    int start = 30 * random.nextInt(47);
                    int end = start + (random.nextBoolean() ? 30 : 60);
                    LocalDate day = today.plusDays(1 + random.nextInt(DAYS));
                    CreateReservationRequest request = CreateReservationRequest.newBuilder()
                            .setCar(driver.cars().get(random.nextInt(CARS_PER_DRIVER)))
                            .setSpot("parkingLots/" + lot.id() + "/spots/" + spot)
                            .setLocalDate(com.google.type.Date.newBuilder().setYear(day.getYear()).setMonth(day.getMonthValue())
                                    .setDay(day.getDayOfMonth()))
                            .setLocalStartTime(com.google.type.TimeOfDay.newBuilder().setHours(start / 60).setMinutes(start % 60))
                            .setLocalEndTime(com.google.type.TimeOfDay.newBuilder().setHours(end / 60).setMinutes(end % 60))
                            .setRequestId(UUID.randomUUID().toString())
                            .build();
                    driver.stub().withDeadlineAfter(10, TimeUnit.SECONDS).createReservation(request,
                            new Observer<Reservation>(done, r -> r.getName().isEmpty() ? -1 : 1, conflicts));
                });

        long doubleBookings;
        try (Connection db = Seeder.connect(databaseUrl); PreparedStatement ps = db.prepareStatement(
                "SELECT count(*) FROM reservations a JOIN reservations b ON a.id < b.id "
                + "AND (a.spot_id = b.spot_id OR a.car_id = b.car_id) AND a.period && b.period "
                + "WHERE a.status IN ('CONFIRMED', 'IN_PROGRESS') AND b.status IN ('CONFIRMED', 'IN_PROGRESS')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            doubleBookings = rs.getLong(1);
        }

        System.out.println("run c. raw INSERT through JDBC ...");
        RawRate raw = rawInsertRate(databaseUrl, rawLot, warmup, measure);
        report.append(String.format(Locale.ROOT, "| c. the same INSERT, JDBC straight to PostgreSQL | %d | %,.0f | %,.0f | 0 | %.2f | %.2f | %.2f | 0 | | |%n",
                CALLERS, raw.perSecond(), raw.perSecond(), raw.histogram().getValueAtPercentile(50) / 1000.0,
                raw.histogram().getValueAtPercentile(99) / 1000.0, raw.histogram().getValueAtPercentile(99.9) / 1000.0));

        ReservationServiceGrpc.ReservationServiceStub[] availabilityStubs = new ReservationServiceGrpc.ReservationServiceStub[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            availabilityStubs[i] = ReservationServiceGrpc.newStub(channels.get(i % connections)).withInterceptors(BenchArgs.bearer(tokens.get(i)));
        }
        ClosedLoop.Result availabilityResult = run(report, "d. GetAvailability (lot, day)", warmup, measure, serverPid, null,
                (caller, done) -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    Lot lot = lots.get(random.nextInt(LOTS));
                    LocalDate day = today.plusDays(1 + random.nextInt(DAYS));
                    availabilityStubs[caller].withDeadlineAfter(10, TimeUnit.SECONDS).getAvailability(
                            GetAvailabilityRequest.newBuilder().setParkingLot("parkingLots/" + lot.id())
                                    .setLocalDate(com.google.type.Date.newBuilder().setYear(day.getYear())
                                            .setMonth(day.getMonthValue()).setDay(day.getDayOfMonth())).build(),
                            new Observer<Availability>(done, a -> a.getSlotsCount() == 48 ? 0 : -1, null));
                });

        double bookingsPerSecond = bookResult.items() / bookResult.seconds();
        double p99 = bookResult.percentileMillis(99);
        report.append("\n| measure | value | target | verdict |\n|---|---:|---:|---|\n")
                .append(String.format(Locale.ROOT, "| bookings/s at 32 callers (hot spots) | %,.0f | ≥ 1,000 | %s |%n",
                        bookingsPerSecond, bookingsPerSecond >= 1000 ? "met" : "**missed**"))
                .append(String.format(Locale.ROOT, "| CreateReservation p99 (bookings and conflicts) | %.2f ms | ≤ 50 ms | %s |%n",
                        p99, p99 <= 50 ? "met" : "**missed**"))
                .append(String.format(Locale.ROOT, "| double bookings (self-join over active rows) | %d | 0 | %s |%n",
                        doubleBookings, doubleBookings == 0 ? "met" : "**missed**"))
                .append(String.format(Locale.ROOT, "| API bookings/s ÷ raw INSERT/s | %.2f (%,.0f / %,.0f) | reported | |%n",
                        bookingsPerSecond / raw.perSecond(), bookingsPerSecond, raw.perSecond()))
                .append(String.format(Locale.ROOT, "| CreateReservation calls/s ÷ Health/Check | %.2f | reported | |%n",
                        bookResult.throughput() / healthResult.throughput()))
                .append(String.format(Locale.ROOT, "| GetAvailability p99 at 32 callers | %.2f ms | reported | |%n",
                        availabilityResult.percentileMillis(99)));
        if (bookResult.firstError() != null) {
            report.append("\nFirst CreateReservation error (other than a conflict): `").append(bookResult.firstError()).append("`\n");
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
        if (doubleBookings != 0 || bookResult.errors() > 0) {
            System.exit(1);
        }
    }

    /** A lot open around the clock every day, with {@code spots} spots. */
    private static Lot lot(Connection db, String name, int spots) throws SQLException {
        UUID id;
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO parking_lots (display_name, latitude, longitude) "
                + "VALUES (?, 37.55 + random() / 10, 126.95 + random() / 10) RETURNING id")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getObject(1, UUID.class);
            }
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO parking_lot_hours (lot_id, day_of_week, open_minute, "
                + "close_minute) SELECT ?, d, 0, 1440 FROM generate_series(1, 7) d")) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
        List<UUID> spotIds = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO spots (lot_id, floor, code) VALUES (?, 'B1', ?) RETURNING id")) {
            for (int i = 0; i < spots; i++) {
                ps.setObject(1, id);
                ps.setString(2, String.format("S%02d", i + 1));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    spotIds.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return new Lot(id, spotIds);
    }

    /** Signs a driver up through the API, reading the SMS code from the development outbox. */
    private static String signUp(ManagedChannel channel, String databaseUrl, int index) throws Exception {
        AuthServiceGrpc.AuthServiceBlockingStub auth = AuthServiceGrpc.newBlockingStub(channel);
        String phone = String.format("0109%07d", ThreadLocalRandom.current().nextInt(10_000_000));
        auth.sendVerificationCode(SendVerificationCodeRequest.newBuilder().setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS)
                .setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP).setTarget(phone).build());
        String code = null;
        try (Connection db = Seeder.connect(databaseUrl); PreparedStatement ps = db.prepareStatement(
                "SELECT body FROM dev_outbox_messages WHERE recipient = ? ORDER BY id DESC LIMIT 1")) {
            ps.setString(1, "+82" + phone.substring(1));
            for (int attempt = 0; attempt < 200 && code == null; attempt++) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Matcher m = CODE.matcher(rs.getString(1));
                        if (m.find()) {
                            code = m.group(1);
                        }
                    }
                }
                if (code == null) {
                    Thread.sleep(25);
                }
            }
        }
        if (code == null) {
            throw new IllegalStateException("no verification code for " + phone + " in dev_outbox_messages "
                    + "(the benchmark needs the server's local SMS adapter)");
        }
        String proof = auth.verifyCode(VerifyCodeRequest.newBuilder().setChannel(VerificationChannel.VERIFICATION_CHANNEL_SMS)
                .setPurpose(VerificationPurpose.VERIFICATION_PURPOSE_SIGN_UP).setTarget(phone).setCode(code).build())
                .getVerificationProof();
        return auth.signUp(SignUpRequest.newBuilder().setDisplayName("Bench driver " + index)
                .setLoginId("bench-driver-" + index + "-" + Long.toHexString(System.nanoTime() & 0xfffff))
                .setPassword("benchmark driver passphrase").setPhone(phone).setPhoneVerificationProof(proof).build())
                .getTokens().getAccessToken();
    }

    private record RawRate(double perSecond, Histogram histogram) {}

    /**
     * The booking INSERT at 32 threads, each with its own connection, car and spot, one statement per
     * transaction (autocommit), consecutive 1-minute windows so nothing conflicts: PostgreSQL's own rate
     * for the statement on this machine, next to the API's.
     */
    private static RawRate rawInsertRate(String databaseUrl, Lot lot, Duration warmup, Duration measure) throws Exception {
        UUID owner;
        List<UUID> cars = new ArrayList<>();
        try (Connection db = Seeder.connect(databaseUrl)) {
            try (PreparedStatement ps = db.prepareStatement("SELECT id FROM users WHERE role = 'USER' LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                owner = rs.getObject(1, UUID.class);
            }
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO cars (user_id, plate, plate_normalized, connector_type) "
                    + "VALUES (?, ?, ?, 'DC_COMBO1') RETURNING id")) {
                for (int i = 0; i < CALLERS; i++) {
                    String plate = String.format("%d나%04d", 10 + i, 9000 + i);
                    ps.setObject(1, owner);
                    ps.setString(2, plate);
                    ps.setString(3, plate);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        cars.add(rs.getObject(1, UUID.class));
                    }
                }
            }
        }
        long startNanos = System.nanoTime();
        long measureStart = startNanos + warmup.toNanos();
        long measureEnd = measureStart + measure.toNanos();
        Instant base = Instant.now().plus(Duration.ofDays(1));
        Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong inserted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < CALLERS; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                Histogram mine = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
                try (Connection db = Seeder.connect(databaseUrl); PreparedStatement ps = db.prepareStatement(BOOK)) {
                    long n = 0;
                    while (true) {
                        long before = System.nanoTime();
                        if (before >= measureEnd) {
                            break;
                        }
                        Instant start = base.plus(Duration.ofMinutes(n++));
                        int i = 1;
                        ps.setObject(i++, cars.get(index));
                        ps.setObject(i++, owner);
                        ps.setObject(i++, lot.spots().get(index));
                        ps.setObject(i++, lot.id());
                        ps.setObject(i++, owner);
                        ps.setObject(i++, cars.get(index));
                        ps.setObject(i++, lot.spots().get(index));
                        ps.setObject(i++, lot.id());
                        ps.setTimestamp(i++, Timestamp.from(start));
                        ps.setTimestamp(i++, Timestamp.from(start.plus(Duration.ofMinutes(1))));
                        ps.setString(i++, UUID.randomUUID().toString());
                        ps.setTimestamp(i++, Timestamp.from(Instant.now()));
                        ps.setTimestamp(i, Timestamp.from(Instant.now()));
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) {
                                throw new IllegalStateException("the raw INSERT inserted nothing");
                            }
                        }
                        long after = System.nanoTime();
                        if (before >= measureStart && after <= measureEnd) {
                            mine.recordValue(Math.max(1, (after - before) / 1000));
                            inserted.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
                synchronized (total) {
                    total.add(mine);
                }
            }, "raw-insert-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        return new RawRate(inserted.get() / (measure.toNanos() / 1e9), total);
    }

    private static ClosedLoop.Result run(StringBuilder report, String name, Duration warmup, Duration measure,
                                         long serverPid, AtomicLong conflicts, ClosedLoop.AsyncCall call)
            throws InterruptedException {
        System.out.println("run " + name + " ...");
        long[] conflictsAtStart = new long[2];
        ProcStats.Snapshot[] snaps = new ProcStats.Snapshot[2];
        ClosedLoop.Result result = new ClosedLoop(name, call, CALLERS).run(warmup.toNanos(), measure.toNanos(),
                () -> {
                    conflictsAtStart[0] = conflicts == null ? 0 : conflicts.get();
                    snaps[0] = ProcStats.snapshot(serverPid);
                },
                () -> {
                    conflictsAtStart[1] = conflicts == null ? 0 : conflicts.get();
                    snaps[1] = ProcStats.snapshot(serverPid);
                });
        ProcStats.CpuUse cpu = ProcStats.between(snaps[0], snaps[1]);
        double seconds = result.seconds();
        report.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %s | %s | %.2f | %.2f | %.2f | %d | %.2f | %.2f |%n",
                name, CALLERS, result.throughput(),
                conflicts == null ? "" : String.format(Locale.ROOT, "%,.0f", result.items() / seconds),
                conflicts == null ? "" : String.format(Locale.ROOT, "%,.0f", (conflictsAtStart[1] - conflictsAtStart[0]) / seconds),
                result.percentileMillis(50), result.percentileMillis(99), result.percentileMillis(99.9), result.errors(),
                cpu.server(), cpu.postgres()));
        return result;
    }

    /**
     * Completes a closed-loop call. {@code items} maps a reply to its item count (-1: invalid). With a
     * conflict counter, ALREADY_EXISTS/RESERVATION_CONFLICT is an expected outcome (0 items), not an error.
     */
    private static final class Observer<T> implements StreamObserver<T> {
        private final ClosedLoop.Completion done;
        private final java.util.function.ToIntFunction<T> items;
        private final AtomicLong conflicts;
        private T value;

        Observer(ClosedLoop.Completion done, java.util.function.ToIntFunction<T> items, AtomicLong conflicts) {
            this.done = done;
            this.items = items;
            this.conflicts = conflicts;
        }

        @Override
        public void onNext(T value) {
            this.value = value;
        }

        @Override
        public void onError(Throwable t) {
            if (conflicts != null && Status.fromThrowable(t).getCode() == Status.Code.ALREADY_EXISTS) {
                conflicts.incrementAndGet();
                done.succeeded(0);
            } else {
                done.failed(t);
            }
        }

        @Override
        public void onCompleted() {
            int count = value == null ? -1 : items.applyAsInt(value);
            if (count >= 0) {
                done.succeeded(count);
            } else {
                done.failed(new IllegalStateException("unexpected reply: " + value));
            }
        }
    }



    private ReservationBenchmark() {}
}
