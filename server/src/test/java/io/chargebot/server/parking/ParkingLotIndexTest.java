package io.chargebot.server.parking;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.type.LatLng;
import io.chargebot.parking.v1.ListParkingLotsRequest;
import io.chargebot.parking.v1.ListParkingLotsResponse;
import io.chargebot.parking.v1.ParkingLot;
import io.chargebot.parking.v1.ParkingServiceGrpc;
import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.DatabaseSettings;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.grpc.ManagedChannel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-memory lot index against the SQL search on the same data: same lots, order, chords and
 * free-spot counts on every page, page tokens usable across both; and kept current by NOTIFY when
 * lots, spots and reservations are written straight into the database.
 */
class ParkingLotIndexTest {

    private static final double SEOUL_LAT = 37.55;
    private static final double SEOUL_LNG = 126.98;
    private static final UUID NIL = new UUID(0, 0);

    private static DatabaseSettings database;
    private static ChargeBotServer server;
    private static ManagedChannel channel;
    private static ParkingServiceGrpc.ParkingServiceBlockingStub stub;
    private static ParkingLotIndex index;
    private static ParkingLotRepository repository;
    private static UUID userId;

    @BeforeAll
    static void start() throws Exception {
        database = TestDatabases.create();
        server = TestServers.start(database, Map.of());
        channel = TestServers.channel(server);
        stub = ParkingServiceGrpc.newBlockingStub(channel);
        index = server.context().getBean(ParkingLotIndex.class);
        repository = server.context().getBean(ParkingLotRepository.class);
        Random random = new Random(2026);
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            userId = UUID.randomUUID();
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO users (id, login_id, display_name) VALUES (?, 'index-test', 'Index test')")) {
                ps.setObject(1, userId);
                ps.executeUpdate();
            }
            List<UUID> lots = new ArrayList<>();
            try (PreparedStatement lot = c.prepareStatement("INSERT INTO parking_lots (id, display_name, address, "
                    + "latitude, longitude, open) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < 3_000; i++) {
                    UUID id = UUID.randomUUID();
                    double lat = SEOUL_LAT + (random.nextDouble() - 0.5) * 0.3;
                    double lng = SEOUL_LNG + (random.nextDouble() - 0.5) * 0.4;
                    if (i % 40 == 0 && i > 0) {
                        // Several lots at one address: equal chords from every origin.
                        lat = SEOUL_LAT + 0.01 * (i % 7);
                        lng = SEOUL_LNG - 0.01 * (i % 5);
                    }
                    lot.setObject(1, id);
                    lot.setString(2, "Lot " + i);
                    lot.setString(3, "Seoul " + i);
                    lot.setDouble(4, lat);
                    lot.setDouble(5, lng);
                    lot.setBoolean(6, i % 9 != 0);
                    lot.addBatch();
                    lots.add(id);
                }
                lot.executeBatch();
            }
            // Spots (some disabled or deleted) and reservations around now, in every status.
            try (PreparedStatement spot = c.prepareStatement("INSERT INTO spots (id, lot_id, floor, code, enabled, deleted_at) "
                    + "VALUES (?, ?, 'B1', ?, ?, CASE WHEN ? THEN now() END)");
                 PreparedStatement car = c.prepareStatement("INSERT INTO cars (id, user_id, plate, plate_normalized) VALUES (?, ?, ?, ?)");
                 PreparedStatement reservation = c.prepareStatement("INSERT INTO reservations (user_id, car_id, spot_id, lot_id, "
                         + "plate_normalized, period, status) VALUES (?, ?, ?, ?, ?, tstzrange(now() + ? * interval '1 minute', "
                         + "now() + ? * interval '1 minute'), ?)")) {
                int cars = 0;
                String[] statuses = {"CONFIRMED", "IN_PROGRESS", "CANCELLED", "COMPLETED"};
                for (int i = 0; i < lots.size(); i += 2) {
                    int spots = 1 + random.nextInt(4);
                    for (int s = 0; s < spots; s++) {
                        UUID spotId = UUID.randomUUID();
                        spot.setObject(1, spotId);
                        spot.setObject(2, lots.get(i));
                        spot.setString(3, "A-" + s);
                        spot.setBoolean(4, random.nextInt(8) != 0);
                        spot.setBoolean(5, random.nextInt(10) == 0);
                        spot.addBatch();
                        if (random.nextBoolean()) {
                            UUID carId = UUID.randomUUID();
                            String plate = "12가" + (1000 + cars++);
                            car.setObject(1, carId);
                            car.setObject(2, userId);
                            car.setString(3, plate);
                            car.setString(4, plate);
                            car.addBatch();
                            // Now, in the past or in the future; never across a minute of now.
                            int startMinute = random.nextInt(3) - 1 == 0 ? -30 : random.nextBoolean() ? -120 : 60;
                            reservation.setObject(1, userId);
                            reservation.setObject(2, carId);
                            reservation.setObject(3, spotId);
                            reservation.setObject(4, lots.get(i));
                            reservation.setString(5, plate);
                            reservation.setInt(6, startMinute);
                            reservation.setInt(7, startMinute + 60);
                            reservation.setString(8, statuses[random.nextInt(statuses.length)]);
                            reservation.addBatch();
                        }
                    }
                }
                spot.executeBatch();
                car.executeBatch();
                reservation.executeBatch();
            }
            c.commit();
        }
        awaitIndex();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
    }

    @Test
    void answersExactlyLikeTheSqlSearchOnEveryPage() {
        Random random = new Random(99);
        int[] radii = {300, 1_000, 5_000, 20_000, 50_000};
        // Small pages over small areas, large ones over large areas: every page of each search is compared.
        int[] pageSizes = {1, 3, 7, 20, 100};
        int compared = 0;
        for (int q = 0; q < 40; q++) {
            double lat = SEOUL_LAT + (random.nextDouble() - 0.5) * 0.4;
            double lng = SEOUL_LNG + (random.nextDouble() - 0.5) * 0.5;
            if (q % 10 == 0) {
                // From a shared address: a tie group at chord 0.
                lat = SEOUL_LAT + 0.01 * (q % 7);
                lng = SEOUL_LNG - 0.01 * (q % 5);
            }
            int radius = radii[q % radii.length];
            int pageSize = pageSizes[q % pageSizes.length] + (q / 5) % 3;
            List<ParkingLotRepository.Lot> fromIndex = all(lat, lng, radius, pageSize, Path.INDEX);
            List<ParkingLotRepository.Lot> fromSql = all(lat, lng, radius, pageSize, Path.SQL);
            List<ParkingLotRepository.Lot> mixed = all(lat, lng, radius, pageSize, Path.ALTERNATING);
            assertThat(fromIndex).as("origin %f,%f radius %d", lat, lng, radius).isEqualTo(fromSql).isEqualTo(mixed);
            compared += fromIndex.size();
        }
        assertThat(compared).as("lots compared").isGreaterThan(5_000);
    }

    @Test
    void lotsWrittenInTheDatabaseAppearMoveCloseAndDisappear() throws Exception {
        // Jeju: no other lots nearby.
        double lat = 33.45;
        double lng = 126.55;
        UUID id = UUID.randomUUID();
        sql("INSERT INTO parking_lots (id, display_name, latitude, longitude) VALUES ('" + id + "', 'Jeju', 33.451, 126.551)");
        awaitIndex();
        List<ParkingLotRepository.Lot> found = indexPage(lat, lng, 5_000);
        assertThat(found).extracting(ParkingLotRepository.Lot::id).containsExactly(id);
        assertThat(found.get(0).displayName()).isEqualTo("Jeju");
        assertThat(grpcNames(lat, lng, 5_000)).containsExactly("parkingLots/" + id);
        double before = found.get(0).chord();

        sql("UPDATE parking_lots SET latitude = 33.46, longitude = 126.56 WHERE id = '" + id + "'");
        awaitIndex();
        found = indexPage(lat, lng, 5_000);
        assertThat(found).extracting(ParkingLotRepository.Lot::latitude).containsExactly(33.46);
        assertThat(found.get(0).chord()).isGreaterThan(before).isEqualTo(sqlPage(lat, lng, 5_000).get(0).chord());
        sql("UPDATE parking_lots SET latitude = 33.9 WHERE id = '" + id + "'");
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).isEmpty();
        sql("UPDATE parking_lots SET latitude = 33.45 WHERE id = '" + id + "'");

        sql("UPDATE parking_lots SET open = false WHERE id = '" + id + "'");
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).isEmpty();
        assertThat(grpcNames(lat, lng, 5_000)).isEmpty();

        sql("UPDATE parking_lots SET open = true, display_name = 'Jeju reopened' WHERE id = '" + id + "'");
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).extracting(ParkingLotRepository.Lot::displayName).containsExactly("Jeju reopened");
        sql("UPDATE parking_lots SET address = 'Jeju-si' WHERE id = '" + id + "'");
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).extracting(ParkingLotRepository.Lot::address).containsExactly("Jeju-si");

        sql("DELETE FROM parking_lots WHERE id = '" + id + "'");
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).isEmpty();
        assertThat(grpcNames(lat, lng, 5_000)).isEmpty();
    }

    @Test
    void freeSpotCountsFollowSpotsAndReservations() throws Exception {
        double lat = 35.87;
        double lng = 128.6;
        UUID lot = UUID.randomUUID();
        UUID[] spots = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        sql("INSERT INTO parking_lots (id, display_name, latitude, longitude) VALUES ('" + lot + "', 'Daegu', 35.871, 128.601)");
        for (int i = 0; i < spots.length; i++) {
            sql("INSERT INTO spots (id, lot_id, floor, code) VALUES ('" + spots[i] + "', '" + lot + "', 'B1', 'D-" + i + "')");
        }
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(3);

        UUID car = UUID.randomUUID();
        sql("INSERT INTO cars (id, user_id, plate, plate_normalized) VALUES ('" + car + "', '" + userId + "', '99가9999', '99가9999')");
        UUID now = UUID.randomUUID();
        sql("INSERT INTO reservations (id, user_id, car_id, spot_id, lot_id, plate_normalized, period) VALUES ('" + now + "', '"
                + userId + "', '" + car + "', '" + spots[0] + "', '" + lot + "', '99가9999', tstzrange(now() - interval '5 minutes', now() + interval '1 hour'))");
        UUID later = UUID.randomUUID();
        sql("INSERT INTO reservations (id, user_id, car_id, spot_id, lot_id, plate_normalized, period) VALUES ('" + later + "', '"
                + userId + "', '" + car + "', '" + spots[1] + "', '" + lot + "', '99가9999', tstzrange(now() + interval '5 hours', now() + interval '6 hours'))");
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(2);

        sql("UPDATE reservations SET status = 'IN_PROGRESS' WHERE id = '" + now + "'");
        sql("UPDATE spots SET enabled = false WHERE id = '" + spots[2] + "'");
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(1);

        sql("UPDATE reservations SET status = 'COMPLETED' WHERE id = '" + now + "'");
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(2);

        // Moved from far ahead (never announced, never loaded) to now.
        sql("UPDATE reservations SET period = tstzrange(now() - interval '1 minute', now() + interval '1 hour') WHERE id = '" + later + "'");
        sql("UPDATE spots SET deleted_at = now(), enabled = true WHERE id = '" + spots[2] + "'");
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(1);

        sql("UPDATE reservations SET status = 'CANCELLED' WHERE id = '" + later + "'");
        sql("UPDATE spots SET deleted_at = NULL WHERE id = '" + spots[2] + "'");
        awaitIndex();
        assertThat(freeSpots(lat, lng)).isEqualTo(3);
    }

    @Test
    void equallyDistantLotsArePagedExactlyInPostgresIdOrder() throws Exception {
        double lat = 36.35;
        double lng = 127.38;
        // 23 lots at the origin (chord 0) and 31 at one point nearby: two tie groups larger than a page.
        sql("INSERT INTO parking_lots (display_name, latitude, longitude) "
                + "SELECT 'Here', 36.35, 127.38 FROM generate_series(1, 23)");
        sql("INSERT INTO parking_lots (display_name, latitude, longitude) "
                + "SELECT 'There', 36.351, 127.381 FROM generate_series(1, 31)");
        awaitIndex();
        List<UUID> expected = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM parking_lots WHERE display_name IN ('Here', 'There') "
                     + "ORDER BY display_name, id")) {
            while (rs.next()) {
                expected.add(rs.getObject(1, UUID.class));
            }
        }
        for (int pageSize : new int[] {1, 4, 7, 23, 24, 100}) {
            assertThat(all(lat, lng, 1_000, pageSize, Path.INDEX)).extracting(ParkingLotRepository.Lot::id)
                    .as("page size %d", pageSize).containsExactlyElementsOf(expected);
            assertThat(all(lat, lng, 1_000, pageSize, Path.ALTERNATING)).extracting(ParkingLotRepository.Lot::id)
                    .as("page size %d, paths alternating", pageSize).containsExactlyElementsOf(expected);
            List<String> names = new ArrayList<>();
            String token = "";
            do {
                ListParkingLotsResponse page = stub.listParkingLots(request(lat, lng, 1_000).setPageSize(pageSize)
                        .setPageToken(token).build());
                page.getParkingLotsList().forEach(l -> names.add(l.getName()));
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            assertThat(names).containsExactlyElementsOf(expected.stream().map(id -> "parkingLots/" + id).toList());
        }
    }

    @Test
    void afterLosingItsListenerTheServerAnswersFromTheDatabaseThenReloads() throws Exception {
        double lat = 35.16;
        double lng = 129.06;
        int killed;
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND application_name = 'chargebot-server notifications'")) {
            rs.next();
            killed = rs.getInt(1);
        }
        assertThat(killed).as("listener connections terminated").isEqualTo(1);
        // Written while the server may not be listening: the notification may be lost.
        UUID id = UUID.randomUUID();
        sql("INSERT INTO parking_lots (id, display_name, latitude, longitude) VALUES ('" + id + "', 'Busan', 35.161, 129.061)");
        // Every answer is right: from the database while the index is not trusted, from the reloaded index after.
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!grpcNames(lat, lng, 5_000).contains("parkingLots/" + id)) {
            assertThat(System.nanoTime()).as("the lot shows up").isLessThan(giveUp);
            Thread.sleep(10);
        }
        awaitIndex();
        assertThat(indexPage(lat, lng, 5_000)).extracting(ParkingLotRepository.Lot::id).containsExactly(id);
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private enum Path { INDEX, SQL, ALTERNATING }

    /** Every page of a search, concatenated. */
    private static List<ParkingLotRepository.Lot> all(double lat, double lng, int radius, int pageSize, Path path) {
        List<ParkingLotRepository.Lot> all = new ArrayList<>();
        double afterChord = -1;
        UUID afterId = NIL;
        for (int page = 0; ; page++) {
            boolean fromIndex = path == Path.INDEX || (path == Path.ALTERNATING && page % 2 == 0);
            ParkingLotRepository.Page result = fromIndex
                    ? index.nearest(lat, lng, radius, afterChord, afterId, pageSize)
                    : repository.nearest(lat, lng, radius, afterChord, afterId, pageSize);
            assertThat(result).as("index ready").isNotNull();
            all.addAll(result.lots());
            if (!result.more()) {
                return all;
            }
            ParkingLotRepository.Lot last = result.lots().get(result.lots().size() - 1);
            afterChord = last.chord();
            afterId = last.id();
            assertThat(page).isLessThan(100_000);
        }
    }

    private static List<ParkingLotRepository.Lot> indexPage(double lat, double lng, int radius) {
        ParkingLotRepository.Page page = index.nearest(lat, lng, radius, -1, NIL, 100);
        assertThat(page).as("index ready").isNotNull();
        assertThat(page.more()).isFalse();
        return page.lots();
    }

    private static List<ParkingLotRepository.Lot> sqlPage(double lat, double lng, int radius) {
        return repository.nearest(lat, lng, radius, -1, NIL, 100).lots();
    }

    private static int freeSpots(double lat, double lng) {
        List<ParkingLotRepository.Lot> fromIndex = indexPage(lat, lng, 1_000);
        assertThat(fromIndex).hasSize(1);
        assertThat(sqlPage(lat, lng, 1_000)).isEqualTo(fromIndex);
        List<ParkingLot> fromApi = stub.listParkingLots(request(lat, lng, 1_000).build()).getParkingLotsList();
        assertThat(fromApi).extracting(ParkingLot::getFreeSpotCount).containsExactly(fromIndex.get(0).freeSpotCount());
        return fromIndex.get(0).freeSpotCount();
    }

    private static List<String> grpcNames(double lat, double lng, int radius) {
        return stub.listParkingLots(request(lat, lng, radius).setPageSize(100).build()).getParkingLotsList().stream()
                .map(ParkingLot::getName).toList();
    }

    private static ListParkingLotsRequest.Builder request(double lat, double lng, int radius) {
        return ListParkingLotsRequest.newBuilder().setLocation(LatLng.newBuilder().setLatitude(lat).setLongitude(lng))
                .setRadiusMeters(radius);
    }

    private static void awaitIndex() throws InterruptedException {
        assertThat(index.awaitCurrent(Duration.ofSeconds(30))).as("the parking lot index caught up").isTrue();
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static Connection connect() throws SQLException {
        return TestDatabases.connect(database);
    }
}
