package io.chargebot.server.reservation;

import io.chargebot.server.db.Db;
import io.chargebot.server.notification.Notifications;
import io.chargebot.user.v1.NotificationType;
import io.chargebot.server.error.ApiException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for bookings: concurrent CreateReservation calls are written together, as one
 * {@code INSERT … SELECT … ON CONFLICT DO NOTHING} statement per batch, by a few writer threads, each
 * for its share of the spots.
 *
 * <p><b>Why.</b> A booking is one small row, but as its own statement it pays a commit (WAL flush),
 * a round trip, planning and executor start-up; under load PostgreSQL spends most of its time on
 * those, not on the row. Writing the bookings that arrived while the previous batch was being
 * written costs one commit for all of them, so throughput grows with load while an idle server
 * still writes each booking at once (a batch of one, no timer).
 *
 * <p><b>Same guarantees.</b> The exclusion constraints still decide every overlap:
 * {@code ON CONFLICT DO NOTHING} (no arbiter named) treats every unique index and exclusion
 * constraint as an arbiter and skips a row that conflicts with a committed row <em>or with an
 * earlier row of the same batch</em>, so bookings in one batch are served in arrival order and two
 * overlapping ones never both succeed. A skipped row is reported as {@link Outcome#notWritten} and
 * the caller finds out why (overlap, same request id, car or spot gone) as before. The car and the
 * spot are still read {@code FOR KEY SHARE} in the same statement.
 *
 * <p><b>Writers.</b> One batch is one PostgreSQL backend, one core: a few writers
 * ({@code chargebot.reservation.writers}, default 2) use the others. Each spot belongs to one writer,
 * so concurrent batches of one server never race for a spot's windows (two batches waiting on each
 * other's rows of two spots would be a deadlock that PostgreSQL breaks only after a second); they
 * can still meet on a car booked at two spots at once, or across servers, and PostgreSQL's deadlock
 * detection plus {@link Db#statement}'s retries resolve such a rare cycle.
 *
 * <p><b>Failures.</b> If a batch fails as a whole for a reason other than a retryable conflict (a
 * check constraint on one row, say), every booking of it is answered with
 * {@link Outcome#alone()}, and its caller writes it on its own, so one bad row cannot fail the others.
 * A caller whose deadline passes while its booking waits is answered DEADLINE_EXCEEDED and its
 * booking is left out of the next batch; once a batch has started, the booking commits or not with
 * it, and a retry with the same request id returns it.
 */
@Singleton
final class BookingWriter {

    private static final Logger logger = LoggerFactory.getLogger(BookingWriter.class);

    /** A booking as the batch statement needs it; times on PostgreSQL's microsecond grid. */
    record Booking(UUID userId, UUID carId, UUID spotId, UUID lotId, Instant start, Instant end,
                   @Nullable String requestId, Instant now) {}

    /** What happened to one booking of a batch. */
    record Outcome(@Nullable UUID id, @Nullable String plate, boolean retryAlone, List<Reservations.Overlap> overlaps) {
        static final Outcome NOT_WRITTEN = new Outcome(null, null, false, List.of());
        static final Outcome ALONE = new Outcome(null, null, true, List.of());

        /** Written: the reservation's id and the car's normalised plate. */
        static Outcome written(UUID id, String plate) {
            return new Outcome(id, plate, false, List.of());
        }

        /**
         * Not written: it conflicts with an active reservation or a request id, or car/spot are not
         * bookable. {@code overlaps} are the active reservations of the spot or the car that the
         * statement saw overlapping it (in {@link Reservations.Overlap#ORDER}, at most
         * {@link Reservations#LISTED_CONFLICTS}); empty when it saw none, e.g. when the row that
         * stopped it was committed after the statement began, or when car or spot were the reason.
         */
        static Outcome notWritten(List<Reservations.Overlap> overlaps) {
            return overlaps.isEmpty() ? NOT_WRITTEN : new Outcome(null, null, false, List.copyOf(overlaps));
        }

        /** The batch failed as a whole: write this booking on its own. */
        static Outcome alone() {
            return ALONE;
        }

        boolean written() {
            return id != null;
        }
    }

    private static final class Pending {
        final Booking booking;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        /** Set once, by the writer taking the booking into a batch or by the caller giving up on it. */
        final AtomicBoolean taken = new AtomicBoolean();

        Pending(Booking booking) {
            this.booking = booking;
        }
    }

    /**
     * Microseconds since the epoch → timestamptz, exactly (no floating point on the way). Inputs are
     * arrays, one element per booking, so the statement text (and its plan) is the same for every
     * batch size.
     */
    private static final String MICROS = "(timestamptz 'epoch' + %s * interval '1 microsecond')";
    /**
     * The batch: the bookings as arrays, the car and the spot read {@code FOR KEY SHARE}, the rows
     * inserted in arrival order, and each written reservation's RESERVATION_CREATED notification
     * queued in the same statement (so in the same commit). Parameters 1-9 are the arrays, 10 the
     * notification's event time. Cars and spots are looked up by {@code id = ANY (array)}, one
     * condition on the key with no join to misplan: a semi-join with the input was planned as a nested
     * loop over every car and spot while the statistics were those of empty tables (as they stay where
     * autovacuum is off), 3.8 ms of a 14.7 ms batch of 24 (docs/benchmarks.md, session 6).
     */
    static String batchStatement(Notifications notifications) {
        return "WITH input AS (SELECT i.*, tstzrange(" + MICROS.formatted("i.start_us") + ", " + MICROS.formatted("i.end_us")
                + ") AS period FROM unnest(?::int[], ?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], "
                + "?::bigint[], ?::bigint[], ?::text[], ?::bigint[]) AS i (ord, user_id, car_id, spot_id, lot_id, start_us, "
                + "end_us, request_id, now_us)), "
                + "car AS (SELECT c.id, c.user_id, c.plate_normalized FROM cars c "
                + "WHERE c.id = ANY ((SELECT array_agg(car_id) FROM input)::uuid[]) AND c.deleted_at IS NULL FOR KEY SHARE), "
                // The lot's open flag by its key, row by row: a join was planned as a scan of every lot.
                + "spot AS (SELECT s.id, s.lot_id FROM spots s "
                + "WHERE s.id = ANY ((SELECT array_agg(spot_id) FROM input)::uuid[]) AND s.deleted_at IS NULL AND s.enabled "
                + "AND (SELECT l.open FROM parking_lots l WHERE l.id = s.lot_id) FOR KEY SHARE), "
                + "inserted_reservations AS (INSERT INTO reservations (user_id, car_id, spot_id, lot_id, plate_normalized, "
                + "period, request_id, created_at, updated_at) "
                + "SELECT i.user_id, i.car_id, i.spot_id, i.lot_id, car.plate_normalized, "
                + "i.period, i.request_id, "
                + MICROS.formatted("i.now_us") + ", " + MICROS.formatted("i.now_us") + " "
                + "FROM input i JOIN car ON car.id = i.car_id AND car.user_id = i.user_id "
                + "JOIN spot ON spot.id = i.spot_id AND spot.lot_id = i.lot_id ORDER BY i.ord "
                + "ON CONFLICT DO NOTHING "
                + "RETURNING " + Notifications.RESERVATION_COLUMNS + ", car_id, request_id, plate_normalized), "
                + "notified AS (" + notifications.insertForReservations(NotificationType.NOTIFICATION_TYPE_RESERVATION_CREATED,
                        "inserted_reservations") + "), "
                // The bookings not written, found first (MATERIALIZED), so the overlap search below runs for them
                // only: inlined, the plan searched both exclusion indexes for every booking and filtered after.
                + "missed AS MATERIALIZED (SELECT i.ord, i.spot_id, i.car_id, i.period FROM input i "
                + "WHERE NOT EXISTS (SELECT 1 FROM inserted_reservations w WHERE w.user_id = i.user_id AND w.car_id = i.car_id "
                + "AND w.spot_id = i.spot_id AND w.period = i.period AND w.request_id IS NOT DISTINCT FROM i.request_id)) "
                // The written rows (ord 0), then for each booking not written (ord = its index + 1) the active
                // reservations this statement's snapshot shows overlapping it: the rows it conflicts with,
                // unless they were committed after the statement began (those the caller reads itself).
                + "SELECT 0 AS ord, id, user_id, car_id, spot_id, lower(period), upper(period), request_id, plate_normalized "
                + "FROM inserted_reservations "
                + "UNION ALL SELECT i.ord + 1, o.id, o.user_id, o.car_id, o.spot_id, lower(o.period), upper(o.period), "
                + "o.request_id, NULL FROM missed i CROSS JOIN LATERAL (SELECT r.id, r.user_id, r.car_id, r.spot_id, r.period, "
                + "r.request_id FROM reservations r WHERE r.status IN " + Reservations.ACTIVE + " AND r.period && i.period "
                + "AND (r.spot_id = i.spot_id OR r.car_id = i.car_id) ORDER BY lower(r.period), r.id LIMIT "
                + Reservations.LISTED_CONFLICTS + ") o";
    }

    private final Db db;
    private final Clock clock;
    private final Executor answers;
    private final String batch;
    private final int maxBatch;
    private final List<LinkedBlockingQueue<Pending>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    BookingWriter(Db db, Clock clock, Notifications notifications, @Named(TaskExecutors.IO) ExecutorService answers,
                  @Value("${chargebot.reservation.max-batch:64}") int maxBatch,
                  @Value("${chargebot.reservation.writers:2}") int writerCount) {
        if (maxBatch < 1 || maxBatch > 1_000) {
            throw new IllegalArgumentException("chargebot.reservation.max-batch must be 1..1000, not " + maxBatch);
        }
        if (writerCount < 1 || writerCount > 64) {
            throw new IllegalArgumentException("chargebot.reservation.writers must be 1..64, not " + writerCount);
        }
        this.db = db;
        this.clock = clock;
        this.answers = answers;
        this.batch = batchStatement(notifications);
        this.maxBatch = maxBatch;
        for (int i = 0; i < writerCount; i++) {
            LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
            Thread writer = new Thread(() -> run(queue), "chargebot-booking-writer-" + i);
            writer.setDaemon(true);
            queues.add(queue);
            writers.add(writer);
            writer.start();
        }
    }

    /**
     * Queues {@code booking} to be written with whatever else is waiting. The future completes on an
     * {@code io} thread, once its batch is written, with what happened to it (one task answers the
     * whole batch, so code that continues a call on completion must not block); or with
     * DEADLINE_EXCEEDED (CANCELLED if the client went away) when the current call ends while the
     * booking still waits, and then no batch takes it.
     */
    CompletableFuture<Outcome> submit(Booking booking) {
        if (closed) {
            throw ApiException.unavailable("the server is shutting down");
        }
        Pending pending = new Pending(booking);
        // A server call's context is cancelled when the call ends (also after it answered: then the booking was taken).
        Context.current().addListener(ended -> {
            if (pending.taken.compareAndSet(false, true)) {
                Deadline deadline = ended.getDeadline();
                // (A cancelled call has no one left to answer; the status only ends the future.)
                pending.result.completeExceptionally(deadline != null && deadline.isExpired() ? ApiException.deadlineExceeded()
                        : Status.CANCELLED.withDescription("the call was cancelled before its booking was written").asRuntimeException());
            }
        }, Runnable::run);
        queues.get(Math.floorMod(booking.spotId().hashCode(), queues.size())).add(pending);
        return pending.result;
    }

    private void run(LinkedBlockingQueue<Pending> queue) {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                // Claim each booking; one whose caller gave up is not written.
                batch.removeIf(p -> !p.taken.compareAndSet(false, true));
                if (!batch.isEmpty()) {
                    writeBatch(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                logger.error("The booking writer failed a batch of {}; its callers write their bookings alone", batch.size(), e);
                batch.forEach(p -> p.result.complete(Outcome.alone()));
            } finally {
                batch.clear();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(ApiException.unavailable("the server is shutting down"));
        }
    }

    private void writeBatch(List<Pending> batch) {
        List<Outcome> outcomes = writeTogether(batch.stream().map(p -> p.booking).toList());
        List<Pending> written = List.copyOf(batch);
        // One hand-over per batch: the writer starts the next batch while the io executor answers this one.
        Runnable answer = () -> {
            for (int i = 0; i < written.size(); i++) {
                written.get(i).result.complete(outcomes.get(i));
            }
        };
        try {
            answers.execute(answer);
        } catch (RejectedExecutionException e) {
            answer.run(); // shutting down
        }
    }

    /**
     * Writes {@code booking} now, on the caller's thread, as a batch of its own; a refusal by
     * PostgreSQL is the caller's error (for a booking whose batch failed as a whole).
     */
    Outcome writeAlone(Booking booking) {
        return outcomes(List.of(booking), db.statement(connection -> insert(connection, List.of(booking)))).get(0);
    }

    /** Writes {@code bookings} as one batch, in their order, and tells what happened to each. */
    List<Outcome> writeTogether(List<Booking> bookings) {
        List<Row> written;
        try {
            written = db.statement(connection -> insert(connection, bookings));
        } catch (RuntimeException e) {
            // One bad row (or a broken connection) fails the statement; the callers find out alone.
            logger.debug("A booking batch of {} failed; writing its bookings alone", bookings.size(), e);
            return java.util.Collections.nCopies(bookings.size(), Outcome.alone());
        }
        return outcomes(bookings, written);
    }

    /**
     * Each booking's outcome from the statement's rows: written, or not written with the overlapping
     * reservations it saw plus the rows of the same batch written before it that overlap it (the
     * statement's snapshot cannot show those).
     */
    private static List<Outcome> outcomes(List<Booking> bookings, List<Row> rows) {
        int n = bookings.size();
        Outcome[] outcomes = new Outcome[n];
        List<Row> written = new ArrayList<>(n);
        List<List<Reservations.Overlap>> seen = new ArrayList<>(java.util.Collections.nCopies(n, null));
        for (Row row : rows) {
            if (row.ord > 0) {
                int i = row.ord - 1;
                if (seen.get(i) == null) {
                    seen.set(i, new ArrayList<>());
                }
                seen.get(i).add(row.overlap());
                continue;
            }
            written.add(row);
            for (int i = 0; i < n; i++) {
                if (outcomes[i] == null && row.matches(bookings.get(i))) {
                    outcomes[i] = Outcome.written(row.id, row.plate);
                    break;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (outcomes[i] != null) {
                continue;
            }
            Booking b = bookings.get(i);
            List<Reservations.Overlap> overlaps = seen.get(i) == null ? new ArrayList<>() : seen.get(i);
            for (Row w : written) {
                if (w.overlaps(b)) {
                    overlaps.add(w.overlap());
                }
            }
            overlaps.sort(Reservations.Overlap.ORDER);
            outcomes[i] = Outcome.notWritten(overlaps.size() > Reservations.LISTED_CONFLICTS
                    ? overlaps.subList(0, Reservations.LISTED_CONFLICTS) : overlaps);
        }
        return List.of(outcomes);
    }

    /**
     * A row of the statement: a written reservation ({@code ord} 0), or an active reservation
     * overlapping the booking at index {@code ord - 1} (no plate).
     */
    private record Row(int ord, UUID id, UUID userId, UUID carId, UUID spotId, Instant start, Instant end,
                       @Nullable String requestId, @Nullable String plate) {
        boolean matches(Booking b) {
            return userId.equals(b.userId()) && carId.equals(b.carId()) && spotId.equals(b.spotId())
                    && start.equals(b.start()) && end.equals(b.end()) && Objects.equals(requestId, b.requestId());
        }

        /** Whether this (written, active) row holds the booking's spot or car during part of its window. */
        boolean overlaps(Booking b) {
            return (spotId.equals(b.spotId()) || carId.equals(b.carId())) && start.isBefore(b.end()) && b.start().isBefore(end);
        }

        Reservations.Overlap overlap() {
            return new Reservations.Overlap(id, userId, spotId, start, end, requestId);
        }
    }

    private List<Row> insert(Connection connection, List<Booking> bookings) throws SQLException {
        int n = bookings.size();
        Integer[] ord = new Integer[n];
        UUID[] users = new UUID[n];
        UUID[] cars = new UUID[n];
        UUID[] spots = new UUID[n];
        UUID[] lots = new UUID[n];
        Long[] starts = new Long[n];
        Long[] ends = new Long[n];
        String[] requestIds = new String[n];
        Long[] nows = new Long[n];
        for (int i = 0; i < n; i++) {
            Booking b = bookings.get(i);
            ord[i] = i;
            users[i] = b.userId();
            cars[i] = b.carId();
            spots[i] = b.spotId();
            lots[i] = b.lotId();
            starts[i] = micros(b.start());
            ends[i] = micros(b.end());
            requestIds[i] = b.requestId();
            nows[i] = micros(b.now());
        }
        List<Row> rows = new ArrayList<>(n);
        try (PreparedStatement ps = Db.prepare(connection, batch)) {
            ps.setArray(1, connection.createArrayOf("int4", ord));
            ps.setArray(2, connection.createArrayOf("uuid", users));
            ps.setArray(3, connection.createArrayOf("uuid", cars));
            ps.setArray(4, connection.createArrayOf("uuid", spots));
            ps.setArray(5, connection.createArrayOf("uuid", lots));
            ps.setArray(6, connection.createArrayOf("int8", starts));
            ps.setArray(7, connection.createArrayOf("int8", ends));
            ps.setArray(8, connection.createArrayOf("text", requestIds));
            ps.setArray(9, connection.createArrayOf("int8", nows));
            // java.time rather than java.sql.Timestamp, here and below: the driver converts those through a Calendar.
            ps.setObject(10, OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getInt(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getObject(4, UUID.class), rs.getObject(5, UUID.class), rs.getObject(6, OffsetDateTime.class).toInstant(),
                            rs.getObject(7, OffsetDateTime.class).toInstant(), rs.getString(8), rs.getString(9)));
                }
            }
        }
        return rows;
    }

    /** {@code instant} in microseconds since the epoch; bookings are on a 30-minute grid, {@code now} is truncated. */
    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /** Stops taking bookings; the batch being written completes, the ones still waiting get UNAVAILABLE. */
    @PreDestroy
    void close() throws InterruptedException {
        closed = true;
        for (Thread writer : writers) {
            writer.join(5_000);
        }
    }
}
