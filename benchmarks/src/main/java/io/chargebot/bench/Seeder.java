package io.chargebot.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Seeds parking lots, their spots and business hours with COPY (text format), then VACUUM ANALYZE, so
 * the planner has statistics and the visibility map and hint bits are set as on a settled database.
 */
final class Seeder {

    /** What seeding did. */
    record Result(long lots, long spots, long hours, double seconds, double analyzeSeconds, boolean skipped,
                  long existingLots, String postgresVersion) {}

    private static final int FLUSH_BYTES = 1 << 20;

    private Seeder() {}

    /** Converts postgres://user:pass@host:port/db (or a jdbc: URL) to a JDBC URL and properties. */
    static Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        String jdbc;
        if (url.startsWith("jdbc:postgresql:")) {
            jdbc = url;
        } else if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            java.net.URI uri = java.net.URI.create(url);
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                props.setProperty("user", java.net.URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                if (parts.length == 2) {
                    props.setProperty("password", java.net.URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
                }
            }
            String host = uri.getHost() == null ? "localhost" : uri.getHost();
            int port = uri.getPort() == -1 ? 5432 : uri.getPort();
            String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            jdbc = "jdbc:postgresql://" + host + ':' + port + path + query;
        } else {
            throw new IllegalArgumentException("--database-url: expected postgres://... or jdbc:postgresql://...");
        }
        props.setProperty("reWriteBatchedInserts", "true");
        props.setProperty("ApplicationName", "chargebot-benchmark");
        return DriverManager.getConnection(jdbc, props);
    }

    static Result seed(String databaseUrl, int lots, int spotsPerLot, long randomSeed) throws Exception {
        try (Connection connection = connect(databaseUrl)) {
            connection.setAutoCommit(true);
            String version;
            long existing;
            try (Statement st = connection.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT version()")) {
                    rs.next();
                    version = rs.getString(1);
                }
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM parking_lots")) {
                    rs.next();
                    existing = rs.getLong(1);
                }
            }
            if (existing > 0 || lots == 0) {
                return new Result(0, 0, 0, 0, 0, true, existing, version);
            }
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            SplittableRandom random = new SplittableRandom(randomSeed);
            UUID[] ids = new UUID[lots];
            long start = System.nanoTime();

            // Lots.
            CopyIn in = copy.copyIn("COPY parking_lots (id, display_name, address, latitude, longitude, image_uri, "
                    + "time_zone, open) FROM STDIN");
            StringBuilder sb = new StringBuilder(FLUSH_BYTES + 4096);
            double[] p = new double[3];
            for (int i = 0; i < lots; i++) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                // Make it a valid version-4 UUID.
                id = new UUID((id.getMostSignificantBits() & ~0xF000L) | 0x4000L,
                        (id.getLeastSignificantBits() & ~(0xC000000000000000L)) | 0x8000000000000000L);
                ids[i] = id;
                KoreaArea.point(random, p);
                String region = KoreaArea.region(p[0], p[1], p[2] == 1);
                boolean open = random.nextInt(100) < 97;
                sb.append(id).append('\t')
                  .append(region).append(' ').append(i % 3 == 0 ? "공영주차장 " : i % 3 == 1 ? "빌딩 주차장 " : "충전주차장 ")
                  .append(i + 1).append('\t')
                  .append(region).append(' ').append(1 + random.nextInt(400)).append("번길 ")
                  .append(1 + random.nextInt(120)).append('\t')
                  .append(String.format(Locale.ROOT, "%.6f", p[0])).append('\t')
                  .append(String.format(Locale.ROOT, "%.6f", p[1])).append('\t')
                  .append(random.nextInt(4) == 0 ? "" : "https://images.chargebot.example/lots/" + (i + 1) + ".jpg")
                  .append('\t')
                  .append("Asia/Seoul").append('\t')
                  .append(open ? 't' : 'f').append('\n');
                if (sb.length() >= FLUSH_BYTES) {
                    flush(in, sb);
                }
            }
            flush(in, sb);
            in.endCopy();

            // Spots.
            long spots = 0;
            in = copy.copyIn("COPY spots (lot_id, floor, code, x_meters, y_meters, enabled) FROM STDIN");
            for (int i = 0; i < lots; i++) {
                for (int s = 0; s < spotsPerLot; s++) {
                    sb.append(ids[i]).append('\t')
                      .append(s < spotsPerLot / 2 ? "B1" : "B2").append('\t')
                      .append("A-").append(s + 1).append('\t')
                      .append(2.5 * s + 1).append('\t')
                      .append(5.0 + random.nextInt(40)).append('\t')
                      .append(random.nextInt(100) < 95 ? 't' : 'f').append('\n');
                    spots++;
                }
                if (sb.length() >= FLUSH_BYTES) {
                    flush(in, sb);
                }
            }
            flush(in, sb);
            in.endCopy();

            // Business hours: 7 rows per lot (most 06:00-23:00, some 24 h, some 09:00-22:00).
            long hours = 0;
            in = copy.copyIn("COPY parking_lot_hours (lot_id, day_of_week, open_minute, close_minute) FROM STDIN");
            for (int i = 0; i < lots; i++) {
                int kind = random.nextInt(10);
                int openMinute = kind < 2 ? 0 : kind < 7 ? 360 : 540;
                int closeMinute = kind < 2 ? 1440 : kind < 7 ? 1380 : 1320;
                for (int day = 1; day <= 7; day++) {
                    sb.append(ids[i]).append('\t').append(day).append('\t')
                      .append(openMinute).append('\t').append(closeMinute).append('\n');
                    hours++;
                }
                if (sb.length() >= FLUSH_BYTES) {
                    flush(in, sb);
                }
            }
            flush(in, sb);
            in.endCopy();
            double seconds = (System.nanoTime() - start) / 1e9;

            long analyzeStart = System.nanoTime();
            try (Statement st = connection.createStatement()) {
                st.execute("VACUUM (ANALYZE) parking_lots");
                st.execute("VACUUM (ANALYZE) spots");
                st.execute("VACUUM (ANALYZE) parking_lot_hours");
            }
            double analyzeSeconds = (System.nanoTime() - analyzeStart) / 1e9;
            return new Result(lots, spots, hours, seconds, analyzeSeconds, false, existing, version);
        }
    }

    private static void flush(CopyIn in, StringBuilder sb) throws SQLException {
        if (sb.length() == 0) {
            return;
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
        sb.setLength(0);
    }

    /**
     * The postmaster's pid when {@code databaseUrl}'s server runs on this machine (the parent of our
     * backend, read while the backend lives), or -1.
     */
    static long postmasterPid(String databaseUrl) {
        try (Connection connection = connect(databaseUrl); Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            long parent = ProcStats.parentPid(rs.getLong(1));
            String name = parent > 0 ? ProcStats.commandLine(parent) : "";
            return name.contains("postgres") ? parent : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    /** PostgreSQL's version string, or "?" when unreachable. */
    static String version(String databaseUrl) {
        try (Connection connection = connect(databaseUrl); Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "? (" + e.getMessage() + ")";
        }
    }
}
