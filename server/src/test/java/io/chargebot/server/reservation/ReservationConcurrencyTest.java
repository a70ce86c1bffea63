package io.chargebot.server.reservation;

import static io.chargebot.server.auth.AuthTestClient.details;
import static io.chargebot.server.auth.AuthTestClient.reason;
import static io.chargebot.server.reservation.Drivers.booking;
import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.server.auth.AuthTestClient;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.testing.ParkingFixtures;
import io.chargebot.server.testing.ParkingFixtures.TestLot;
import io.chargebot.server.testing.TestDatabases;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 200 concurrent callers book overlapping windows on a few spots through real gRPC: exactly a
 * non-overlapping set succeeds, every other caller gets RESERVATION_CONFLICT explained by a booking
 * that did succeed, and a self-join over the table finds no overlap.
 */
class ReservationConcurrencyTest {

    private static final int CALLERS = 200;
    private static final int DRIVERS = 40;
    private static AuthTestClient t;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(AuthTestClient.relaxedLimits());
        t = new AuthTestClient(properties);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private record Attempt(Drivers.Driver driver, String car, CreateReservationRequest request) {}

    private record Outcome(Attempt attempt, Reservation booked, StatusRuntimeException failure) {}

    @Test
    void onlyANonOverlappingSetOfConcurrentBookingsSucceeds() throws Exception {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 3);
        LocalDate day = t.clock.instant().atZone(ZoneId.of("Asia/Seoul")).toLocalDate().plusDays(2);
        Random random = new Random(20261123);
        List<Attempt> attempts = new ArrayList<>();
        for (int d = 0; d < DRIVERS; d++) {
            Drivers.Driver driver = Drivers.signUp(t);
            for (int c = 0; c < CALLERS / DRIVERS; c++) {
                String car = driver.newCar();
                // Windows of 30..120 minutes between 10:00 and 14:00 on 3 spots: heavy overlap by design.
                int start = 600 + 30 * random.nextInt(6);
                int end = start + 30 * (1 + random.nextInt(4));
                attempts.add(new Attempt(driver, car, booking(car, lot.spot(random.nextInt(3)), day, start, end).build()));
            }
        }
        // Some callers reuse a car at another spot, so car conflicts race too.
        for (int i = 0; i < 20; i++) {
            Attempt base = attempts.get(i * 7);
            attempts.set(i * 7 + 1, new Attempt(base.driver(), base.car(), base.request().toBuilder()
                    .setSpot(lot.spot((lot.spots().indexOf(java.util.UUID.fromString(base.request().getSpot()
                            .substring(base.request().getSpot().lastIndexOf('/') + 1))) + 1) % 3)).build()));
        }

        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> futures = new ArrayList<>();
        for (Attempt attempt : attempts) {
            futures.add(pool.submit(() -> {
                go.await();
                try {
                    return new Outcome(attempt, attempt.driver().reservations().createReservation(attempt.request()), null);
                } catch (StatusRuntimeException e) {
                    return new Outcome(attempt, null, e);
                }
            }));
        }
        go.countDown();
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> future : futures) {
            outcomes.add(future.get());
        }
        pool.shutdown();

        List<Reservation> booked = outcomes.stream().filter(o -> o.booked() != null).map(Outcome::booked).toList();
        assertThat(booked).isNotEmpty();
        assertThat(outcomes.size() - booked.size()).as("the windows were meant to collide").isGreaterThan(CALLERS / 2);
        for (Outcome outcome : outcomes) {
            if (outcome.failure() == null) {
                continue;
            }
            // Nothing fails for any reason other than a real conflict ...
            assertThat(outcome.failure().getStatus().getCode()).as(outcome.failure().toString()).isEqualTo(Status.Code.ALREADY_EXISTS);
            assertThat(reason(outcome.failure())).isEqualTo("RESERVATION_CONFLICT");
            // ... and each conflict is explained by a booking that succeeded: same spot or same car, overlapping.
            Instant start = bookingStart(outcome.attempt());
            Instant end = bookingEnd(outcome.attempt());
            assertThat(booked).as("a successful booking that overlaps " + outcome.attempt().request())
                    .anySatisfy(r -> {
                        assertThat(r.getSpot().equals(outcome.attempt().request().getSpot())
                                || r.getCar().equals(outcome.attempt().car())).isTrue();
                        assertThat(ProtoTime.instant(r.getStartTime())).isBefore(end);
                        assertThat(ProtoTime.instant(r.getEndTime())).isAfter(start);
                    });
            List<ReservationConflict> conflicts = details(outcome.failure(), ReservationConflict.class);
            assertThat(conflicts).isNotEmpty();
        }
        // The successful bookings overlap neither per spot nor per car, in the replies ...
        for (int i = 0; i < booked.size(); i++) {
            for (int j = i + 1; j < booked.size(); j++) {
                Reservation a = booked.get(i);
                Reservation b = booked.get(j);
                boolean overlap = ProtoTime.instant(a.getStartTime()).isBefore(ProtoTime.instant(b.getEndTime()))
                        && ProtoTime.instant(b.getStartTime()).isBefore(ProtoTime.instant(a.getEndTime()));
                assertThat(overlap && (a.getSpot().equals(b.getSpot()) || a.getCar().equals(b.getCar())))
                        .as("%s overlaps %s", a.getName(), b.getName()).isFalse();
            }
        }
        // ... and in the table.
        assertThat(t.queryInt("SELECT count(*) FROM reservations a JOIN reservations b ON a.id < b.id "
                + "AND (a.spot_id = b.spot_id OR a.car_id = b.car_id) AND a.period && b.period "
                + "WHERE a.status IN ('CONFIRMED', 'IN_PROGRESS') AND b.status IN ('CONFIRMED', 'IN_PROGRESS')")).isZero();
        assertThat(t.queryInt("SELECT count(*) FROM reservations")).isEqualTo(booked.size());
    }

    /**
     * A booking waits in the writer's queue while the batch before it is written; when its caller's
     * deadline passes there, the caller gets DEADLINE_EXCEEDED and no later batch writes it.
     */
    @Test
    void aBookingWhoseDeadlinePassesInTheQueueIsNeverWritten() throws Exception {
        TestLot lot = ParkingFixtures.seoulLot(t.database, 1);
        LocalDate day = t.clock.instant().atZone(ZoneId.of("Asia/Seoul")).toLocalDate().plusDays(3);
        Drivers.Driver driver = Drivers.signUp(t);
        String car = driver.newCar();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection holder = TestDatabases.connect(t.database)) {
            // Hold the spot's row: the batch statement reads it FOR KEY SHARE and waits.
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("SELECT 1 FROM spots WHERE id = ? FOR UPDATE")) {
                ps.setObject(1, lot.spots().get(0));
                ps.executeQuery().close();
            }
            Future<Reservation> first = pool.submit(() -> driver.reservations()
                    .createReservation(booking(car, lot.spot(0), day, 600, 630).setRequestId("first").build()));
            awaitBlockedOnALock();
            // Same spot, so the same writer: it waits behind the blocked batch until its deadline.
            StatusRuntimeException late = org.assertj.core.api.Assertions.catchThrowableOfType(() -> driver.reservations()
                    .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                    .createReservation(booking(car, lot.spot(0), day, 660, 690).setRequestId("late").build()),
                    StatusRuntimeException.class);
            assertThat(late.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            holder.rollback();
            assertThat(first.get(30, TimeUnit.SECONDS).getName()).isNotEmpty();
        } finally {
            pool.shutdown();
        }
        // The queue is served in order: once a booking made after the late one is written, the late one was passed over.
        assertThat(driver.reservations().createReservation(booking(car, lot.spot(0), day, 720, 750).setRequestId("after").build())
                .getName()).isNotEmpty();
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE request_id = 'late'")).isZero();
        assertThat(t.queryInt("SELECT count(*) FROM reservations WHERE request_id IN ('first', 'after')")).isEqualTo(2);
    }

    /** Waits until a booking batch waits for a row lock. */
    private static void awaitBlockedOnALock() throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (t.queryInt("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND wait_event_type = 'Lock' AND query LIKE 'WITH input AS%'") > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no booking batch waited for the spot's lock");
    }

    private static Instant bookingStart(Attempt attempt) {
        return local(attempt, attempt.request().getLocalStartTime());
    }

    private static Instant bookingEnd(Attempt attempt) {
        return local(attempt, attempt.request().getLocalEndTime());
    }

    private static Instant local(Attempt attempt, com.google.type.TimeOfDay time) {
        com.google.type.Date d = attempt.request().getLocalDate();
        return LocalDate.of(d.getYear(), d.getMonth(), d.getDay()).atTime(time.getHours(), time.getMinutes())
                .atZone(ZoneId.of("Asia/Seoul")).toInstant();
    }
}
