package io.chargebot.server.parking;

import io.chargebot.server.db.DatabaseNotifications;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nearest-first lot search from memory (issue 2): every lot's point, display fields, usable spots and
 * active reservations, with open lots in a {@link LotTree}. A search costs a few microseconds of
 * CPU instead of ~1.5 ms of PostgreSQL work (KNN scan, a free-spot count per lot, planning).
 *
 * <p><b>Same answers as the SQL path.</b> Lots' points are read from PostgreSQL's stored
 * {@code earth_point} and both paths use the origin from {@link ParkingLotRepository#earthPoint}, so
 * chords are bit-identical; ordering (chord, then id in PostgreSQL's uuid order), the radius, "open
 * only" and the keyset position of page tokens are the same, and a token issued by either path
 * continues on the other. Pages are always full here (the SQL path may end a page early before a
 * group of equally distant lots); both are allowed by the paging contract.
 *
 * <p><b>Kept current by the database.</b> Triggers (migration V6) send {@code NOTIFY chargebot_parking}
 * with {@code lot:<id>} when a lot row changes and {@code free:<id>} when its spots or active
 * reservations change, or {@code reload} for bulk changes (more than 1,000 lots in one statement,
 * TRUNCATE). One worker thread applies them in commit order: it re-reads the named lots (one query
 * per batch, {@code = ANY(?)}), swaps display fields and availability in place, and rebuilds the tree
 * (~50 ms for 100,000 lots) only when a lot appeared, moved, opened, closed or vanished. Bursts are
 * coalesced. Writers are whoever they are (admin CRUD, scripts): the trigger keeps this class
 * independent of their code.
 *
 * <p><b>Free-spot counts are exact, with the NOTIFY staleness only.</b> Each lot keeps its usable
 * spot count and the [start, end) periods of its active reservations that end after now and start
 * within the next {@link #HORIZON_MINUTES} (a full reload every {@link #REFRESH_EVERY} brings in the
 * ones that came within reach; reservations further ahead are not announced by the trigger at all,
 * which spares the index a re-read of the lot for most bookings); the count is evaluated at the
 * moment of the search, so reservations starting or ending need no update. A write is reflected as
 * soon as its notification is applied — typically a few milliseconds after commit, up to the time of
 * a full reload (about a second for 100,000 lots) after a bulk change.
 *
 * <p><b>Safe fallback.</b> Until the first load completes, while the LISTEN connection is down (its
 * notifications may be lost) and until the reload after it reconnects, {@link #nearest} returns null
 * and the caller uses the SQL path. {@code chargebot.parking.index.enabled=false} turns the index off.
 */
@Singleton
final class ParkingLotIndex implements DatabaseNotifications.Subscriber {

    static final String CHANNEL = DatabaseNotifications.PARKING_CHANNEL;
    private static final Logger logger = LoggerFactory.getLogger(ParkingLotIndex.class);
    private static final long[] NO_TIMES = new long[0];
    /** Ids per {@code = ANY(?)} query. */
    private static final int CHUNK = 1_000;

    /**
     * Only reservations starting within this many minutes are loaded; every {@link #REFRESH_EVERY} a full
     * reload brings in those that came within reach. The trigger (V12) announces reservations within 3
     * hours, more than horizon + refresh interval, so none falls between the two.
     */
    static final int HORIZON_MINUTES = 120;
    static final Duration REFRESH_EVERY = Duration.ofMinutes(30);
    private static final String LOT_COLUMNS = "id, display_name, address, latitude, longitude, image_uri, time_zone, open, "
            + "created_at, updated_at, cube_ll_coord(earth_point, 1), cube_ll_coord(earth_point, 2), "
            + "cube_ll_coord(earth_point, 3)";
    private static final String USABLE_SPOTS = "SELECT lot_id, count(*) FROM spots WHERE enabled AND deleted_at IS NULL";
    private static final String ACTIVE_RESERVATIONS = "SELECT s.lot_id, "
            + "(extract(epoch FROM lower(r.period)) * 1000000)::bigint, (extract(epoch FROM upper(r.period)) * 1000000)::bigint "
            + "FROM reservations r JOIN spots s ON s.id = r.spot_id "
            + "WHERE s.enabled AND s.deleted_at IS NULL AND r.status IN ('CONFIRMED', 'IN_PROGRESS') AND upper(r.period) > now() "
            + "AND lower(r.period) < now() + interval '" + HORIZON_MINUTES + " minutes'";

    /** What the worker does next, in order. */
    private sealed interface Task permits Change, Reload, Sync {}

    /** A notification: {@code lot:<id>} or {@code free:<id>}. */
    private record Change(boolean lotRow, UUID lotId) implements Task {}

    /**
     * Load everything again. {@code epoch} ≥ 0: the load after (re)connecting or after a failed update,
     * which makes the index ready if listening has not stopped since; -1: a bulk change.
     */
    private record Reload(long epoch) implements Task {}

    /** Completes {@code token}'s waiter once everything before it has been applied. */
    private record Sync(String token) implements Task {}

    /** What searches read: the tree of open lots, replaced as a whole. */
    private record Snapshot(LotTree tree) {}

    private final DataSource dataSource;
    private final Clock clock;
    private final boolean enabled;
    private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Void>> syncs = new ConcurrentHashMap<>();
    /** Distinct time zone names, shared by the lots (the worker's alone). */
    private final Map<String, String> timeZones = new HashMap<>();
    /** Every lot, open or not, by id; the worker's alone. */
    private final Map<UUID, LotTree.Entry> lots = new HashMap<>();
    private volatile Snapshot snapshot;
    /** Serves searches only while true: loaded, and no notification can have been missed since. */
    private volatile boolean ready;
    /** Bumped whenever listening starts or stops; a reload only makes the index ready for its own epoch. */
    private volatile long epoch;
    private final Thread worker;
    /** When the worker reloads next on its own ({@link System#nanoTime()}); the worker's alone. */
    private long nextRefresh = System.nanoTime() + REFRESH_EVERY.toNanos();

    ParkingLotIndex(DataSource dataSource, Clock clock,
                    @Value("${chargebot.parking.index.enabled:true}") boolean enabled) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.enabled = enabled;
        this.worker = new Thread(this::work, "chargebot-parking-index");
        this.worker.setDaemon(true);
        if (enabled) {
            worker.start();
        }
    }

    /**
     * A page of the search {@link ParkingLotRepository#nearest} describes, from memory; null when the
     * index is not ready (the caller then asks the database).
     */
    @Nullable
    ParkingLotRepository.Page nearest(double latitude, double longitude, int radiusMeters, double afterChord,
                                      UUID afterId, int pageSize) {
        Snapshot current = snapshot;
        if (!ready || current == null) {
            return null;
        }
        double[] origin = ParkingLotRepository.earthPoint(latitude, longitude);
        double maxChord = ParkingLotRepository.metersToChord(radiusMeters);
        LotTree.Found found = current.tree().nearest(origin[0], origin[1], origin[2], maxChord, afterChord, afterId,
                pageSize + 1);
        Instant now = clock.instant();
        long nowMicros = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
        int count = Math.min(found.count, pageSize);
        List<ParkingLotRepository.Lot> page = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            LotTree.Entry entry = found.entries[i];
            ParkingLotRepository.Lot lot = entry.lot;
            page.add(new ParkingLotRepository.Lot(lot.id(), lot.displayName(), lot.address(), lot.latitude(),
                    lot.longitude(), lot.imageUri(), lot.timeZone(), lot.open(), lot.createdAt(), lot.updatedAt(),
                    entry.availability.freeAt(nowMicros), found.chords[i]));
        }
        return new ParkingLotRepository.Page(page, found.count > pageSize);
    }

    boolean ready() {
        return ready;
    }

    // --- notifications (listener thread) ---------------------------------------------------------------

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public synchronized void listening() {
        if (enabled) {
            tasks.add(new Reload(++epoch));
        }
    }

    @Override
    public synchronized void stopped() {
        ready = false;
        epoch++;
    }

    @Override
    public void notified(String payload) {
        if (!enabled) {
            return;
        }
        int colon = payload.indexOf(':');
        String kind = colon < 0 ? payload : payload.substring(0, colon);
        String argument = colon < 0 ? "" : payload.substring(colon + 1);
        try {
            switch (kind) {
                case "lot" -> tasks.add(new Change(true, UUID.fromString(argument)));
                case "free" -> tasks.add(new Change(false, UUID.fromString(argument)));
                case "sync" -> tasks.add(new Sync(argument));
                default -> tasks.add(new Reload(-1));
            }
        } catch (IllegalArgumentException e) {
            tasks.add(new Reload(-1));
        }
    }

    // --- worker ------------------------------------------------------------------------------------------

    private void work() {
        try {
            workUntilInterrupted();
        } finally {
            // Whatever ended this thread, nobody keeps the index current any more.
            ready = false;
        }
    }

    private void workUntilInterrupted() {
        List<Task> batch = new ArrayList<>();
        while (true) {
            try {
                long wait = nextRefresh - System.nanoTime();
                Task next = wait > 0 ? tasks.poll(wait, TimeUnit.NANOSECONDS) : null;
                // Time for the periodic reload that loads the reservations that came within the horizon.
                batch.add(next != null ? next : new Reload(-1));
            } catch (InterruptedException e) {
                return;
            }
            tasks.drainTo(batch, 100_000);
            try {
                apply(batch);
            } catch (RuntimeException | SQLException e) {
                // What these notifications said is lost: stop serving until a full reload succeeds.
                long reloadEpoch;
                synchronized (this) {
                    ready = false;
                    reloadEpoch = epoch;
                }
                logger.warn("Parking lot index update failed ({}); searching in the database until it is reloaded",
                        e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException interrupted) {
                    return;
                }
                tasks.add(new Reload(reloadEpoch));
            }
            batch.clear();
        }
    }

    private void apply(List<Task> batch) throws SQLException {
        // A reload reads the current state, so every change queued before the last one is already in it.
        int start = 0;
        boolean reload = false;
        long readyEpoch = -1;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i) instanceof Reload r) {
                reload = true;
                start = i + 1;
                readyEpoch = Math.max(readyEpoch, r.epoch());
            }
        }
        if (reload) {
            reloadAll();
            synchronized (this) {
                // Current only if the listener has not stopped since this epoch began: then every
                // change committed after the reload's snapshot is queued behind it.
                if (readyEpoch >= 0 && readyEpoch == epoch) {
                    ready = true;
                }
            }
        }
        Set<UUID> lotRows = new HashSet<>();
        Set<UUID> availability = new HashSet<>();
        List<Sync> done = new ArrayList<>();
        for (Task task : batch.subList(start, batch.size())) {
            if (task instanceof Change change) {
                (change.lotRow() ? lotRows : availability).add(change.lotId());
            }
        }
        for (Task task : batch) {
            if (task instanceof Sync sync) {
                done.add(sync);
            }
        }
        if (!lotRows.isEmpty() || !availability.isEmpty()) {
            refresh(lotRows, availability);
        }
        for (Sync sync : done) {
            CompletableFuture<Void> waiter = syncs.remove(sync.token());
            if (waiter != null) {
                waiter.complete(null);
            }
        }
    }

    /** Reads every lot, spot count and active reservation in one consistent snapshot and rebuilds the tree. */
    private void reloadAll() throws SQLException {
        long started = System.nanoTime();
        nextRefresh = started + REFRESH_EVERY.toNanos();
        Map<UUID, ParkingLotRepository.Lot> rows = new HashMap<>();
        Map<UUID, double[]> points = new HashMap<>();
        Map<UUID, LotTree.Availability> available;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                try (Statement statement = connection.createStatement()) {
                    statement.setFetchSize(5_000);
                    try (ResultSet rs = statement.executeQuery("SELECT " + LOT_COLUMNS + " FROM parking_lots")) {
                        while (rs.next()) {
                            readLot(rs, rows, points);
                        }
                    }
                }
                available = availability(connection, null);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        Map<UUID, LotTree.Entry> fresh = new HashMap<>(Math.max(16, rows.size() * 4 / 3));
        for (Map.Entry<UUID, ParkingLotRepository.Lot> row : rows.entrySet()) {
            double[] p = points.get(row.getKey());
            LotTree.Availability a = available.getOrDefault(row.getKey(), LotTree.Availability.NONE);
            fresh.put(row.getKey(), new LotTree.Entry(row.getValue(), p[0], p[1], p[2], a));
        }
        lots.clear();
        lots.putAll(fresh);
        rebuild();
        logger.info("Parking lot index loaded: {} lots ({} open) in {} ms", lots.size(), snapshot.tree().size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Re-reads the named lots' rows and the availability of those and of {@code availabilityOf}. */
    private void refresh(Set<UUID> lotRows, Set<UUID> availabilityOf) throws SQLException {
        Set<UUID> all = new HashSet<>(lotRows);
        all.addAll(availabilityOf);
        Map<UUID, ParkingLotRepository.Lot> rows = new HashMap<>();
        Map<UUID, double[]> points = new HashMap<>();
        Map<UUID, LotTree.Availability> available;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                List<UUID> ids = new ArrayList<>(lotRows);
                for (int i = 0; i < ids.size(); i += CHUNK) {
                    List<UUID> chunk = ids.subList(i, Math.min(ids.size(), i + CHUNK));
                    try (PreparedStatement ps = connection.prepareStatement(
                            "SELECT " + LOT_COLUMNS + " FROM parking_lots WHERE id = ANY(?)")) {
                        ps.setArray(1, connection.createArrayOf("uuid", chunk.toArray()));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                readLot(rs, rows, points);
                            }
                        }
                    }
                }
                available = availability(connection, all);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        boolean rebuild = false;
        for (UUID id : lotRows) {
            LotTree.Entry old = lots.get(id);
            ParkingLotRepository.Lot row = rows.get(id);
            if (row == null) {
                if (old != null) {
                    lots.remove(id);
                    rebuild |= old.lot.open();
                }
                continue;
            }
            double[] p = points.get(id);
            if (old != null && old.x == p[0] && old.y == p[1] && old.z == p[2] && old.lot.open() == row.open()) {
                old.lot = row;
            } else {
                LotTree.Availability a = old != null ? old.availability : LotTree.Availability.NONE;
                lots.put(id, new LotTree.Entry(row, p[0], p[1], p[2], a));
                rebuild |= row.open() || (old != null && old.lot.open());
            }
        }
        for (UUID id : all) {
            LotTree.Entry entry = lots.get(id);
            if (entry != null) {
                entry.availability = available.getOrDefault(id, LotTree.Availability.NONE);
            }
        }
        if (rebuild) {
            rebuild();
        }
    }

    private void rebuild() {
        List<LotTree.Entry> open = new ArrayList<>(lots.size());
        for (LotTree.Entry entry : lots.values()) {
            if (entry.lot.open()) {
                open.add(entry);
            }
        }
        snapshot = new Snapshot(new LotTree(open.toArray(new LotTree.Entry[0])));
    }

    /** Usable spots and active reservations per lot: of {@code ids}, or of every lot when null. */
    private static Map<UUID, LotTree.Availability> availability(Connection connection, @Nullable Set<UUID> ids)
            throws SQLException {
        Map<UUID, Integer> usable = new HashMap<>();
        Map<UUID, List<long[]>> periods = new HashMap<>();
        List<List<UUID>> chunks = new ArrayList<>();
        if (ids == null) {
            chunks.add(null);
        } else {
            List<UUID> list = new ArrayList<>(ids);
            for (int i = 0; i < list.size(); i += CHUNK) {
                chunks.add(list.subList(i, Math.min(list.size(), i + CHUNK)));
            }
        }
        for (List<UUID> chunk : chunks) {
            Array array = chunk == null ? null : connection.createArrayOf("uuid", chunk.toArray());
            try (PreparedStatement ps = connection.prepareStatement(
                    USABLE_SPOTS + (chunk == null ? "" : " AND lot_id = ANY(?)") + " GROUP BY lot_id")) {
                if (array != null) {
                    ps.setArray(1, array);
                }
                ps.setFetchSize(5_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        usable.put(rs.getObject(1, UUID.class), rs.getInt(2));
                    }
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    ACTIVE_RESERVATIONS + (chunk == null ? "" : " AND s.lot_id = ANY(?)"))) {
                if (array != null) {
                    ps.setArray(1, array);
                }
                ps.setFetchSize(5_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        periods.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                                .add(new long[] {rs.getLong(2), rs.getLong(3)});
                    }
                }
            }
        }
        Map<UUID, LotTree.Availability> result = new HashMap<>(Math.max(16, usable.size() * 4 / 3));
        for (Map.Entry<UUID, Integer> lot : usable.entrySet()) {
            List<long[]> active = periods.getOrDefault(lot.getKey(), List.of());
            if (active.isEmpty()) {
                result.put(lot.getKey(), new LotTree.Availability(lot.getValue(), NO_TIMES, NO_TIMES));
                continue;
            }
            long[] starts = new long[active.size()];
            long[] ends = new long[active.size()];
            for (int i = 0; i < active.size(); i++) {
                starts[i] = active.get(i)[0];
                ends[i] = active.get(i)[1];
            }
            result.put(lot.getKey(), new LotTree.Availability(lot.getValue(), starts, ends));
        }
        return result;
    }

    private void readLot(ResultSet rs, Map<UUID, ParkingLotRepository.Lot> rows, Map<UUID, double[]> points)
            throws SQLException {
        UUID id = rs.getObject(1, UUID.class);
        // Most lots share a time zone: one String for all of them.
        String timeZone = timeZones.computeIfAbsent(rs.getString(7), zone -> zone);
        rows.put(id, new ParkingLotRepository.Lot(id, rs.getString(2), rs.getString(3), rs.getDouble(4),
                rs.getDouble(5), rs.getString(6), timeZone, rs.getBoolean(8), instant(rs.getTimestamp(9)),
                instant(rs.getTimestamp(10)), 0, 0));
        points.put(id, new double[] {rs.getDouble(11), rs.getDouble(12), rs.getDouble(13)});
    }

    @Nullable
    private static Instant instant(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    // --- for tests -----------------------------------------------------------------------------------------

    /**
     * Waits until the index is ready and reflects every change committed before this call (a marker
     * sent through the channel comes back after everything committed before it). False if that did
     * not happen within {@code timeout} or the index is disabled.
     */
    boolean awaitCurrent(Duration timeout) throws InterruptedException {
        if (!enabled) {
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        String token = UUID.randomUUID().toString();
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        syncs.put(token, waiter);
        try (Connection connection = dataSource.getConnection()) {
            DatabaseNotifications.send(connection, CHANNEL, "sync:" + token);
        } catch (SQLException e) {
            syncs.remove(token);
            return false;
        }
        try {
            waiter.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return ready;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } finally {
            syncs.remove(token);
        }
    }

    @PreDestroy
    void stop() {
        worker.interrupt();
    }
}
