package io.chargebot.server.reservation;

import com.google.type.TimeOfDay;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.reservation.v1.AdminCancelReservationRequest;
import io.chargebot.reservation.v1.Availability;
import io.chargebot.reservation.v1.AvailabilitySlot;
import io.chargebot.reservation.v1.CancelReservationRequest;
import io.chargebot.reservation.v1.CreateReservationRequest;
import io.chargebot.reservation.v1.GetAvailabilityRequest;
import io.chargebot.reservation.v1.GetReservationRequest;
import io.chargebot.reservation.v1.ListLotReservationsRequest;
import io.chargebot.reservation.v1.ListLotReservationsResponse;
import io.chargebot.reservation.v1.ListReservationsRequest;
import io.chargebot.reservation.v1.ListReservationsResponse;
import io.chargebot.reservation.v1.Reservation;
import io.chargebot.reservation.v1.ReservationConflict;
import io.chargebot.reservation.v1.ReservationServiceGrpc;
import io.chargebot.reservation.v1.ReservationStatus;
import io.chargebot.server.audit.AuditLog;
import io.chargebot.server.auth.Access;
import io.chargebot.server.auth.Principal;
import io.chargebot.server.auth.Role;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.BlockingCalls;
import io.chargebot.server.grpc.PageSizes;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import io.chargebot.server.notification.Notifications;
import io.chargebot.user.v1.NotificationType;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * ReservationService (seeds 000 and 003). Overlap is impossible because PostgreSQL's exclusion
 * constraints on active rows (per spot, per car) decide it, not a read-then-write check here: two
 * concurrent bookings of one window cannot both commit, whatever the load or the number of servers.
 */
@Singleton
final class ReservationGrpcService extends ReservationServiceGrpc.ReservationServiceImplBase {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    static final int MAX_REASON_LENGTH = 500;
    /** How long a queued cancel command for a dispatched robot stays valid. */
    static final java.time.Duration ROBOT_COMMAND_TTL = java.time.Duration.ofMinutes(5);
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final Db db;
    private final Reservations reservations;
    private final PageTokens pageTokens;
    private final AuditLog audit;
    private final Clock clock;
    private final BookingWriter writer;
    private final LotFactsCache lotFacts;
    private final Notifications notifications;
    private final BlockingCalls blockingCalls;

    ReservationGrpcService(Db db, Reservations reservations, PageTokens pageTokens, AuditLog audit, Clock clock,
                           BookingWriter writer, LotFactsCache lotFacts, Notifications notifications,
                           BlockingCalls blockingCalls) {
        this.db = db;
        this.blockingCalls = blockingCalls;
        this.writer = writer;
        this.lotFacts = lotFacts;
        this.reservations = reservations;
        this.pageTokens = pageTokens;
        this.audit = audit;
        this.notifications = notifications;
        this.clock = clock;
    }

    // ------------------------------------------------------------------------------------------------
    // Create

    @Override
    @Access(Role.USER)
    public void createReservation(CreateReservationRequest request, StreamObserver<Reservation> observer) {
        UUID caller = Principal.require().userId();
        // PostgreSQL keeps microseconds: the reply built here must equal what a later read returns.
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Violations v = new Violations();
        UUID carId = v.capture(() -> ResourceNames.parse(request.getCar(), "car", ResourceNames.CARS));
        ResourceNames.SpotName spot = v.capture(() -> ResourceNames.parseSpot(request.getSpot(), "spot"));
        String requestId = request.getRequestId();
        v.check(requestId.length() <= 64 && requestId.chars().allMatch(c -> c > 0x20 && c < 0x7f), "request_id",
                "must be at most 64 printable ASCII characters (a UUID is recommended)");
        if (!v.isEmpty() || spot == null) {
            checkWindowShape(request, v);
            v.throwIfAny();
        }
        Reservations.SpotFacts facts = lotFacts.spot(spot.lotId(), spot.spotId())
                .orElseThrow(() -> ApiException.notFound(request.getSpot()));
        BookingWindow window = BookingWindow.resolve(request.getLocalDate(), request.getLocalStartTime(),
                request.hasLocalEndTime() ? request.getLocalEndTime() : null, request.getDurationMinutes(),
                facts.zone(), facts.hours(), now, v);
        v.check(facts.lotOpen(), "spot", "belongs to a lot that does not take reservations now");
        v.check(facts.spotUsable(), "spot", "is out of service");
        v.throwIfAny();

        BookingWriter.Booking booking = new BookingWriter.Booking(caller, carId, spot.spotId(), spot.lotId(),
                window.start(), window.end(), requestId.isEmpty() ? null : requestId, now);
        // No thread waits for the batch: the batch's outcomes are answered together on the io executor, each
        // in its call's context (bound here, on the call's thread).
        CompletableFuture<BookingWriter.Outcome> batch = writer.submit(booking);
        Runnable answer = BlockingCalls.resume(observer, () -> answer(booking, facts, outcome(batch), observer));
        batch.whenComplete((outcome, failure) -> answer.run());
    }

    /** The outcome of a completed booking future, or its failure thrown as it was. */
    private static BookingWriter.Outcome outcome(CompletableFuture<BookingWriter.Outcome> batch) {
        try {
            return batch.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    /**
     * Answers a booking from its batch's outcome, in the task that answers the whole batch: a written
     * booking and a plain conflict at once; what needs PostgreSQL (a retry of the same request, writing
     * it alone, finding out why it was not written) in a task of its own on the {@code io} executor.
     */
    private void answer(BookingWriter.Booking booking, Reservations.SpotFacts facts, BookingWriter.Outcome outcome,
                        StreamObserver<Reservation> observer) {
        if (outcome.written()) {
            reply(observer, written(outcome.id(), outcome.plate(), booking, facts));
            return;
        }
        if (!outcome.retryAlone() && !outcome.overlaps().isEmpty()) {
            Reservations.Conflicts found = Reservations.explain(outcome.overlaps(), booking.spotId(), booking.userId(),
                    booking.requestId());
            if (found.sameRequest() == null) {
                throw conflict(found.conflicts(), facts.zone());
            }
        }
        blockingCalls.run(observer, () -> {
            BookingWriter.Outcome alone = outcome.retryAlone() ? writer.writeAlone(booking) : outcome;
            reply(observer, alone.written() ? written(alone.id(), alone.plate(), booking, facts)
                    : explainNotWritten(booking, facts, alone.overlaps()));
        });
    }

    private static void reply(StreamObserver<Reservation> observer, Reservations.Row row) {
        observer.onNext(Reservations.toProto(row));
        observer.onCompleted();
    }

    /**
     * The booking statement skipped this booking: an active reservation overlaps (of the spot or the
     * car — maybe this request's own earlier attempt), its request id was used, or the car or spot
     * cannot be booked. Finds out which and answers; if nothing explains it any more (the overlapping
     * reservation was cancelled meanwhile), writes it once more on its own. {@code overlaps} are the
     * overlapping reservations the booking statement saw; only when it saw none are they read again.
     */
    private Reservations.Row explainNotWritten(BookingWriter.Booking b, Reservations.SpotFacts facts,
                                               List<Reservations.Overlap> overlaps) {
        for (int attempt = 1; ; attempt++) {
            Reservations.Conflicts found = overlaps.isEmpty()
                    ? db.read(connection -> reservations.conflicts(connection, b.spotId(), b.carId(), null, b.start(),
                            b.end(), b.userId(), b.requestId()))
                    : Reservations.explain(overlaps, b.spotId(), b.userId(), b.requestId());
            if (found.sameRequest() != null) {
                // A retry of a booking that succeeded overlaps its own first attempt: answer with that one.
                return sameRequest(db.read(connection -> reservations.byId(connection, found.sameRequest(), b.now(), false))
                        .orElseThrow(), b);
            }
            if (!found.conflicts().isEmpty()) {
                throw conflict(found.conflicts(), facts.zone());
            }
            if (b.requestId() != null) {
                Optional<Reservations.Row> earlier = db.read(connection -> byRequestId(connection, b.userId(), b.requestId(), b.now()));
                if (earlier.isPresent()) {
                    return sameRequest(earlier.get(), b);
                }
            }
            if (!db.read(connection -> carOfCaller(connection, b.carId(), b.userId()))) {
                throw ApiException.notFound(ResourceNames.name(ResourceNames.CARS, b.carId()));
            }
            if (attempt == 2) {
                // The car is the caller's and nothing overlaps, yet the spot is not bookable: it went out of service.
                throw ApiException.invalid("spot", "is out of service or its lot does not take reservations now");
            }
            BookingWriter.Outcome again = writer.writeAlone(b);
            if (again.written()) {
                return written(again.id(), again.plate(), b, facts);
            }
            overlaps = again.overlaps();
        }
    }

    /** The reply for a booking that was written, equal to what a later read returns. */
    private static Reservations.Row written(UUID id, String plate, BookingWriter.Booking b, Reservations.SpotFacts facts) {
        return new Reservations.Row(id, b.userId(), b.carId(), b.spotId(), b.lotId(), plate, b.start(), b.end(),
                "CONFIRMED", null, null, null, null, null, 0, null, null, false, null, b.now(), b.now(), facts.zone(),
                facts.lotName(), facts.floor(), facts.code(), null);
    }

    /** The earlier result of the same request id, if it asked for the same booking. */
    private static Reservations.Row sameRequest(Reservations.Row earlier, BookingWriter.Booking b) {
        if (!earlier.carId().equals(b.carId()) || !earlier.spotId().equals(b.spotId())
                || !earlier.start().equals(b.start()) || !earlier.end().equals(b.end())) {
            throw ApiException.invalid("request_id", "was already used for a different reservation (" + earlier.name() + ")");
        }
        return earlier;
    }

    private static boolean carOfCaller(Connection connection, UUID carId, UUID caller) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection,
                "SELECT 1 FROM cars WHERE id = ? AND user_id = ? AND deleted_at IS NULL")) {
            ps.setObject(1, carId);
            ps.setObject(2, caller);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Optional<Reservations.Row> byRequestId(Connection connection, UUID user, String requestId, Instant now)
            throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, Reservations.SELECT + "WHERE r.user_id = ? AND r.request_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, user);
            ps.setString(3, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Reservations.row(rs)) : Optional.empty();
            }
        }
    }

    /** Field checks that need no lot, so a reply with a bad name still names bad times too. */
    private static void checkWindowShape(CreateReservationRequest request, Violations v) {
        BookingWindow.shape(request.getLocalDate(), request.getLocalStartTime(),
                request.hasLocalEndTime() ? request.getLocalEndTime() : null, request.getDurationMinutes(), v);
    }

    private static ApiException conflict(List<ReservationConflict> conflicts, ZoneId zone) {
        StringBuilder message = new StringBuilder("the window overlaps an active reservation");
        if (!conflicts.isEmpty()) {
            ReservationConflict first = conflicts.get(0);
            message.append(first.getScope() == io.chargebot.reservation.v1.ConflictScope.CONFLICT_SCOPE_SPOT
                    ? " of this spot" : " of this car").append(" from ")
                    .append(LOCAL.format(ProtoTime.instant(first.getStartTime()).atZone(zone))).append(" to ")
                    .append(LOCAL.format(ProtoTime.instant(first.getEndTime()).atZone(zone))).append(" (").append(zone.getId()).append(')');
        }
        return new ApiException(Status.Code.ALREADY_EXISTS, ErrorReason.RESERVATION_CONFLICT, message.toString())
                .withDetails(conflicts);
    }

    // ------------------------------------------------------------------------------------------------
    // Read

    @Override
    @Access({Role.USER, Role.ADMIN, Role.SERVICE})
    public void getReservation(GetReservationRequest request, StreamObserver<Reservation> observer) {
        UUID id = ResourceNames.parse(request.getName(), "name", ResourceNames.RESERVATIONS);
        Reservations.Row row = db.read(connection -> reservations.byId(connection, id, clock.instant(), false))
                .filter(ReservationGrpcService::visibleToCaller)
                .orElseThrow(() -> ApiException.notFound(request.getName()));
        observer.onNext(Reservations.toProto(row));
        observer.onCompleted();
    }

    private static boolean visibleToCaller(Reservations.Row row) {
        Principal caller = Principal.require();
        return caller.role() != Role.USER || row.userId().equals(caller.userId());
    }

    @Override
    @Access(Role.USER)
    public void listReservations(ListReservationsRequest request, StreamObserver<ListReservationsResponse> observer) {
        UUID caller = Principal.require().userId();
        Instant now = clock.instant();
        Violations v = new Violations();
        Integer pageSize = v.capture(() -> PageSizes.of(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
        List<String> statuses = statuses(request.getStatusesList(), "statuses", v);
        LocalDate startDate = request.hasStartDate() ? BookingWindow.date(request.getStartDate(), "start_date", v) : null;
        LocalDate endDate = request.hasEndDate() ? BookingWindow.date(request.getEndDate(), "end_date", v) : null;
        if (startDate != null && endDate != null) {
            v.check(!endDate.isBefore(startDate), "end_date", "must not be before start_date");
        }
        Instant windowStart = request.hasWindowStartTime() ? timestamp(request.getWindowStartTime(), "window_start_time", v) : null;
        Instant windowEnd = request.hasWindowEndTime() ? timestamp(request.getWindowEndTime(), "window_end_time", v) : null;
        UUID carId = request.getCar().isEmpty() ? null
                : v.capture(() -> ResourceNames.parse(request.getCar(), "car", ResourceNames.CARS));
        String order = request.getOrderBy().strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
        v.check(order.isEmpty() || order.equals("start_time") || order.equals("start_time asc") || order.equals("start_time desc"),
                "order_by", "must be start_time or start_time desc");
        v.check(request.getPageToken().length() <= 512, "page_token", "is not a token issued by this server");
        v.throwIfAny();
        boolean descending = order.endsWith("desc");

        StringBuilder where = new StringBuilder("WHERE r.user_id = ?");
        List<Object> parameters = new ArrayList<>();
        parameters.add(caller);
        if (!statuses.isEmpty()) {
            where.append(" AND reservation_status(r.status, r.period, ?) = ANY (?)");
            parameters.add(Timestamp.from(now));
            parameters.add(statuses.toArray(new String[0]));
        }
        if (startDate != null) {
            where.append(" AND (lower(r.period) AT TIME ZONE l.time_zone)::date >= ?");
            parameters.add(java.sql.Date.valueOf(startDate));
        }
        if (endDate != null) {
            where.append(" AND (lower(r.period) AT TIME ZONE l.time_zone)::date <= ?");
            parameters.add(java.sql.Date.valueOf(endDate));
        }
        if (windowStart != null) {
            where.append(" AND upper(r.period) > ?");
            parameters.add(Timestamp.from(windowStart));
        }
        if (windowEnd != null) {
            where.append(" AND lower(r.period) < ?");
            parameters.add(Timestamp.from(windowEnd));
        }
        if (carId != null) {
            where.append(" AND r.car_id = ?");
            parameters.add(carId);
        }
        String query = "ListReservations:" + caller + ':' + statuses + ':' + startDate + ':' + endDate + ':' + windowStart
                + ':' + windowEnd + ':' + carId + ':' + descending;
        page(query, request.getPageToken(), where, parameters, descending, pageSize, now, (rows, next) -> {
            ListReservationsResponse.Builder response = ListReservationsResponse.newBuilder().setNextPageToken(next);
            rows.forEach(row -> response.addReservations(Reservations.toProto(row)));
            observer.onNext(response.build());
        });
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void listLotReservations(ListLotReservationsRequest request, StreamObserver<ListLotReservationsResponse> observer) {
        Instant now = clock.instant();
        Violations v = new Violations();
        UUID lotId = v.capture(() -> ResourceNames.parseParkingLot(request.getParent(), "parent"));
        LocalDate date = BookingWindow.date(request.getLocalDate(), "local_date", v);
        List<String> statuses = statuses(request.getStatusesList(), "statuses", v);
        ResourceNames.SpotName spot = request.getSpot().isEmpty() ? null
                : v.capture(() -> ResourceNames.parseSpot(request.getSpot(), "spot"));
        if (spot != null && lotId != null) {
            v.check(spot.lotId().equals(lotId), "spot", "must be a spot of parent");
        }
        Integer pageSize = v.capture(() -> PageSizes.of(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
        v.check(request.getPageToken().length() <= 512, "page_token", "is not a token issued by this server");
        v.throwIfAny();
        ZoneId zone = db.read(connection -> lotZone(connection, lotId))
                .orElseThrow(() -> ApiException.notFound(request.getParent()));
        Instant dayStart = date.atStartOfDay(zone).toInstant();
        Instant dayEnd = date.plusDays(1).atStartOfDay(zone).toInstant();
        StringBuilder where = new StringBuilder("WHERE r.lot_id = ? AND lower(r.period) >= ? AND lower(r.period) < ?");
        List<Object> parameters = new ArrayList<>(List.of(lotId, Timestamp.from(dayStart), Timestamp.from(dayEnd)));
        if (!statuses.isEmpty()) {
            where.append(" AND reservation_status(r.status, r.period, ?) = ANY (?)");
            parameters.add(Timestamp.from(now));
            parameters.add(statuses.toArray(new String[0]));
        }
        if (spot != null) {
            where.append(" AND r.spot_id = ?");
            parameters.add(spot.spotId());
        }
        String query = "ListLotReservations:" + lotId + ':' + date + ':' + statuses + ':' + spot;
        page(query, request.getPageToken(), where, parameters, false, pageSize, now, (rows, next) -> {
            ListLotReservationsResponse.Builder response = ListLotReservationsResponse.newBuilder().setNextPageToken(next);
            rows.forEach(row -> response.addReservations(Reservations.toProto(row)));
            observer.onNext(response.build());
        });
        observer.onCompleted();
    }

    private interface PageConsumer {
        void accept(List<Reservations.Row> rows, String nextPageToken);
    }

    /** One keyset page by (start, id) of the rows matching {@code where}. */
    private void page(String query, String token, StringBuilder where, List<Object> parameters, boolean descending,
                      int pageSize, Instant now, PageConsumer consumer) {
        Timestamp afterStart = null;
        UUID afterId = null;
        if (!token.isEmpty()) {
            ByteBuffer position = pageTokens.decode(token, query);
            if (position.remaining() != 24) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            long micros = position.getLong();
            afterStart = Timestamp.from(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L));
            afterId = new UUID(position.getLong(), position.getLong());
        }
        String sql = Reservations.SELECT + where
                + (afterStart != null ? " AND (lower(r.period), r.id) " + (descending ? "<" : ">") + " (?, ?)" : "")
                + " ORDER BY lower(r.period) " + (descending ? "DESC" : "") + ", r.id " + (descending ? "DESC" : "")
                + " LIMIT ?";
        Timestamp fromStart = afterStart;
        UUID fromId = afterId;
        List<Reservations.Row> rows = db.read(connection -> {
            try (PreparedStatement ps = Db.prepare(connection, sql)) {
                int i = 1;
                ps.setTimestamp(i++, Timestamp.from(now));
                for (Object parameter : parameters) {
                    if (parameter instanceof String[] array) {
                        ps.setArray(i++, connection.createArrayOf("text", array));
                    } else {
                        ps.setObject(i++, parameter);
                    }
                }
                if (fromStart != null) {
                    ps.setTimestamp(i++, fromStart);
                    ps.setObject(i++, fromId);
                }
                ps.setInt(i, pageSize + 1);
                List<Reservations.Row> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(Reservations.row(rs));
                    }
                }
                return found;
            }
        });
        String next = "";
        if (rows.size() > pageSize) {
            rows = rows.subList(0, pageSize);
            Reservations.Row last = rows.get(pageSize - 1);
            long micros = last.start().getEpochSecond() * 1_000_000 + last.start().getNano() / 1_000;
            next = pageTokens.encode(query, ByteBuffer.allocate(24).putLong(micros)
                    .putLong(last.id().getMostSignificantBits()).putLong(last.id().getLeastSignificantBits()).array());
        }
        consumer.accept(rows, next);
    }

    private static List<String> statuses(List<ReservationStatus> requested, String field, Violations v) {
        Set<String> names = new LinkedHashSet<>();
        for (ReservationStatus status : requested) {
            if (status == ReservationStatus.UNRECOGNIZED) {
                v.add(field, "contains an unknown status");
            } else if (status != ReservationStatus.RESERVATION_STATUS_UNSPECIFIED) {
                names.add(status.name().substring("RESERVATION_STATUS_".length()));
            }
        }
        return List.copyOf(names);
    }

    private static Instant timestamp(com.google.protobuf.Timestamp timestamp, String field, Violations v) {
        // The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
        if (timestamp.getSeconds() < -62_135_596_800L || timestamp.getSeconds() > 253_402_300_799L
                || timestamp.getNanos() < 0 || timestamp.getNanos() > 999_999_999) {
            v.add(field, "is not a valid timestamp");
            return null;
        }
        return ProtoTime.instant(timestamp);
    }

    private static Optional<ZoneId> lotZone(Connection connection, UUID lotId) throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "SELECT time_zone FROM parking_lots WHERE id = ?")) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(ZoneId.of(rs.getString(1))) : Optional.empty();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Cancel

    @Override
    @Access(Role.USER)
    public void cancelReservation(CancelReservationRequest request, StreamObserver<Reservation> observer) {
        UUID caller = Principal.require().userId();
        Violations v = new Violations();
        UUID id = v.capture(() -> ResourceNames.parse(request.getName(), "name", ResourceNames.RESERVATIONS));
        String reason = request.getReason().strip();
        v.check(reason.length() <= MAX_REASON_LENGTH, "reason", "must be at most " + MAX_REASON_LENGTH + " characters");
        v.throwIfAny();
        Instant now = clock.instant();
        Reservations.Row row = db.transaction(connection -> {
            Reservations.Row current = reservations.byId(connection, id, now, true)
                    .filter(r -> r.userId().equals(caller))
                    .orElseThrow(() -> ApiException.notFound(request.getName()));
            if (current.status().equals("CANCELLED") && !current.cancelledByAdmin()) {
                return current; // a retried cancel: already done
            }
            if (!current.status().equals("CONFIRMED")) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "only a CONFIRMED reservation can be cancelled; this one is " + current.status());
            }
            if (!now.isBefore(current.start())) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "the reservation has started; it can no longer be cancelled");
            }
            Reservations.Row cancelled = cancel(connection, current, caller, reason.isEmpty() ? null : reason, now);
            notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_RESERVATION_CANCELLED, id, null, Map.of());
            return cancelled;
        });
        observer.onNext(Reservations.toProto(row));
        observer.onCompleted();
    }

    @Override
    @Access(Role.ADMIN)
    public void adminCancelReservation(AdminCancelReservationRequest request, StreamObserver<Reservation> observer) {
        UUID admin = Principal.require().userId();
        Violations v = new Violations();
        UUID id = v.capture(() -> ResourceNames.parse(request.getName(), "name", ResourceNames.RESERVATIONS));
        String reason = request.getReason().strip();
        v.check(!reason.isEmpty() && reason.length() <= MAX_REASON_LENGTH, "reason",
                "is required, 1.." + MAX_REASON_LENGTH + " characters (it is written to the audit log)");
        v.throwIfAny();
        Instant now = clock.instant();
        Reservations.Row row = db.transaction(connection -> {
            Reservations.Row current = reservations.byId(connection, id, now, true)
                    .orElseThrow(() -> ApiException.notFound(request.getName()));
            if (current.status().equals("CANCELLED")) {
                return current; // a retried cancel: already done
            }
            if (!current.status().equals("CONFIRMED") && !current.status().equals("IN_PROGRESS")) {
                throw new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.FAILED_PRECONDITION,
                        "only an active reservation can be cancelled; this one is " + current.status());
            }
            Reservations.Row cancelled = cancel(connection, current, admin, reason, now);
            audit.record(connection, null, null, "reservation.admin_cancel", current.name(), reason,
                    Map.of("user", ResourceNames.name(ResourceNames.USERS, current.userId()),
                            "previous_status", current.status()));
            notifications.reservation(connection, NotificationType.NOTIFICATION_TYPE_RESERVATION_FORCE_CANCELLED, id, null,
                    Map.of("reason", reason));
            return cancelled;
        });
        observer.onNext(Reservations.toProto(row));
        observer.onCompleted();
    }

    /** Cancels {@code current}; a robot already dispatched to it gets a queued CANCEL command. */
    private Reservations.Row cancel(Connection connection, Reservations.Row current, UUID by, String reason, Instant now)
            throws SQLException {
        try (PreparedStatement ps = Db.prepare(connection, "UPDATE reservations SET status = 'CANCELLED', cancelled_at = ?, "
                + "cancel_reason = ?, cancelled_by = ?, updated_at = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setString(2, reason);
            ps.setObject(3, by);
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setObject(5, current.id());
            ps.executeUpdate();
        }
        if (current.robotId() != null) {
            try (PreparedStatement ps = Db.prepare(connection, "INSERT INTO robot_commands (robot_id, reservation_id, kind, "
                    + "payload, expires_at) VALUES (?, ?, 'CANCEL', jsonb_build_object('reservation', ?::text), ?)")) {
                ps.setObject(1, current.robotId());
                ps.setObject(2, current.id());
                ps.setString(3, current.name());
                ps.setTimestamp(4, Timestamp.from(now.plus(ROBOT_COMMAND_TTL)));
                ps.executeUpdate();
            }
        }
        return reservations.byId(connection, current.id(), now, false).orElseThrow();
    }

    // ------------------------------------------------------------------------------------------------
    // Availability

    @Override
    @Access({Role.USER, Role.ADMIN, Role.SERVICE})
    public void getAvailability(GetAvailabilityRequest request, StreamObserver<Availability> observer) {
        Violations v = new Violations();
        UUID lotId = v.capture(() -> ResourceNames.parseParkingLot(request.getParkingLot(), "parking_lot"));
        LocalDate date = BookingWindow.date(request.getLocalDate(), "local_date", v);
        ResourceNames.SpotName spot = request.getSpot().isEmpty() ? null
                : v.capture(() -> ResourceNames.parseSpot(request.getSpot(), "spot"));
        if (spot != null && lotId != null) {
            v.check(spot.lotId().equals(lotId), "spot", "must be a spot of parking_lot");
        }
        v.throwIfAny();
        Instant now = clock.instant();
        Availability availability = db.read(connection -> availability(connection, request, lotId, date, spot, now));
        observer.onNext(availability);
        observer.onCompleted();
    }

    private Availability availability(Connection connection, GetAvailabilityRequest request, UUID lotId, LocalDate date,
                                      ResourceNames.SpotName spot, Instant now) throws SQLException {
        ZoneId zone;
        boolean open;
        BookingWindow.Hours hours;
        try (PreparedStatement ps = Db.prepare(connection, "SELECT l.time_zone, l.open, " + Reservations.PACKED_HOURS
                + " FROM parking_lots l WHERE l.id = ?")) {
            ps.setObject(1, lotId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound(request.getParkingLot());
                }
                zone = ZoneId.of(rs.getString(1));
                open = rs.getBoolean(2);
                hours = Reservations.unpackHours(rs.getArray(3)).get(date.getDayOfWeek());
            }
        }
        Availability.Builder availability = Availability.newBuilder().setParkingLot(request.getParkingLot())
                .setLocalDate(Reservations.date(date)).setTimeZone(zone.getId()).setSlotMinutes(BookingWindow.SLOT_MINUTES);
        List<UUID> spotIds = new ArrayList<>();
        try (PreparedStatement ps = Db.prepare(connection, "SELECT id, enabled FROM spots WHERE lot_id = ? AND deleted_at IS NULL"
                + (spot != null ? " AND id = ?" : "") + " ORDER BY floor, code")) {
            ps.setObject(1, lotId);
            if (spot != null) {
                ps.setObject(2, spot.spotId());
            }
            boolean found = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found = true;
                    if (rs.getBoolean(2)) {
                        spotIds.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            if (spot != null && !found) {
                throw ApiException.notFound(request.getSpot());
            }
        }
        if (!open || hours == null) {
            return availability.build();
        }
        Instant dayStart = date.atStartOfDay(zone).toInstant();
        Instant dayEnd = date.plusDays(1).atStartOfDay(zone).toInstant();
        record Busy(UUID spot, Instant start, Instant end) {}
        List<Busy> busy = new ArrayList<>();
        try (PreparedStatement ps = Db.prepare(connection, "SELECT spot_id, lower(period), upper(period) FROM reservations "
                + "WHERE lot_id = ? AND status IN " + Reservations.ACTIVE + " AND period && tstzrange(?, ?)"
                + (spot != null ? " AND spot_id = ?" : ""))) {
            ps.setObject(1, lotId);
            ps.setTimestamp(2, Timestamp.from(dayStart));
            ps.setTimestamp(3, Timestamp.from(dayEnd));
            if (spot != null) {
                ps.setObject(4, spot.spotId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    busy.add(new Busy(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant()));
                }
            }
        }
        // The bookable slots of the day, then per spot which of them its reservations cover: one pass over the
        // reservations (a spot's list was scanned for every slot and spot before: slots × spots × reservations).
        record Slot(int minute, Instant start, Instant end) {}
        List<Slot> slots = new ArrayList<>();
        for (int minute = hours.openMinute(); minute + BookingWindow.SLOT_MINUTES <= hours.closeMinute();
             minute += BookingWindow.SLOT_MINUTES) {
            LocalDateTime localStart = date.atStartOfDay().plusMinutes(minute);
            LocalDateTime localEnd = localStart.plusMinutes(BookingWindow.SLOT_MINUTES);
            if (zone.getRules().getValidOffsets(localStart).isEmpty()) {
                continue; // the clocks skip this slot
            }
            Instant start = ZonedDateTime.ofLocal(localStart, zone, null).toInstant();
            // An end inside a gap resolves to the instant the clocks jump to (ofLocal shifts it forward).
            Instant end = ZonedDateTime.ofLocal(localEnd, zone, null).toInstant();
            if (start.isBefore(now)) {
                continue;
            }
            slots.add(new Slot(minute, start, end));
        }
        Map<UUID, BitSet> taken = new HashMap<>();
        for (Busy b : busy) {
            BitSet covered = taken.computeIfAbsent(b.spot(), id -> new BitSet(slots.size()));
            for (int i = 0; i < slots.size(); i++) {
                if (b.start().isBefore(slots.get(i).end()) && b.end().isAfter(slots.get(i).start())) {
                    covered.set(i);
                }
            }
        }
        List<String> names = new ArrayList<>(spotIds.size());
        for (UUID candidate : spotIds) {
            names.add(ResourceNames.spot(lotId, candidate));
        }
        BitSet none = new BitSet();
        for (int i = 0; i < slots.size(); i++) {
            int minute = slots.get(i).minute();
            AvailabilitySlot.Builder slot = AvailabilitySlot.newBuilder()
                    .setStartTime(ProtoTime.timestamp(slots.get(i).start()))
                    .setEndTime(ProtoTime.timestamp(slots.get(i).end()))
                    .setLocalStartTime(timeOfDay(minute)).setLocalEndTime(timeOfDay(minute + BookingWindow.SLOT_MINUTES));
            for (int k = 0; k < spotIds.size(); k++) {
                if (!taken.getOrDefault(spotIds.get(k), none).get(i)) {
                    slot.addFreeSpots(names.get(k));
                }
            }
            availability.addSlots(slot.setFreeSpotCount(slot.getFreeSpotsCount()));
        }
        return availability.build();
    }

    private static TimeOfDay timeOfDay(int minuteOfDay) {
        return TimeOfDay.newBuilder().setHours(minuteOfDay / 60).setMinutes(minuteOfDay % 60).build();
    }
}
