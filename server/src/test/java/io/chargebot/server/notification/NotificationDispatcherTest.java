package io.chargebot.server.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.chargebot.server.ChargeBotServer;
import io.chargebot.server.db.Db;
import io.chargebot.server.testing.FakeProvider;
import io.chargebot.server.testing.MutableClock;
import io.chargebot.server.testing.TestDatabases;
import io.chargebot.server.testing.TestServers;
import io.chargebot.user.v1.NotificationType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several dispatchers on one database (as on several replicas): nothing is sent twice, a dispatcher
 * that dies after claiming leaves its rows to another once the lease ends, and one that stalls past
 * its lease sends nothing of what another took over.
 */
class NotificationDispatcherTest {

    private final MutableClock clock = new MutableClock();
    private FcmStandIn fcm;
    private FirebasePushSender sender;
    private ChargeBotServer server;
    private Db db;
    private NotificationSettings settings;

    @BeforeEach
    void start() {
        fcm = new FcmStandIn();
        sender = fcm.sender();
        server = TestServers.start(TestDatabases.create(),
                Map.of("chargebot.notifications.dispatcher-enabled", false), clock, sender);
        db = server.context().getBean(Db.class);
        settings = new NotificationSettings(Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofMinutes(1),
                Duration.ofMinutes(2), 10, Duration.ofSeconds(5), false, Duration.ofMinutes(30), Duration.ofMinutes(1));
    }

    @AfterEach
    void stop() {
        server.close();
        sender.close();
        fcm.close();
    }

    private NotificationDispatcher dispatcher(String name) {
        return new NotificationDispatcher(db, sender, settings, clock, name, null);
    }

    /** {@code count} users with one device each and one PENDING notification each; returns their ids. */
    private List<UUID> pending(int count) {
        Notifications notifications = server.context().getBean(Notifications.class);
        String prefix = "u" + UUID.randomUUID().toString().substring(0, 8) + "-";
        return db.transaction(connection -> {
            List<UUID> users = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement("INSERT INTO users (login_id, display_name) "
                    + "SELECT ? || g, '사용자' FROM generate_series(1, ?) g RETURNING id")) {
                ps.setString(1, prefix);
                ps.setInt(2, count);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        users.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    "INSERT INTO devices (user_id, fcm_token) SELECT id, 'token-' || id FROM users WHERE id = ANY (?)")) {
                ps.setArray(1, connection.createArrayOf("uuid", users.toArray()));
                ps.executeUpdate();
            }
            for (UUID user : users) {
                notifications.account(connection, NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED, user);
            }
            return users;
        });
    }

    private int count(String where) {
        return db.read(connection -> {
            try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM notification_outbox WHERE " + where);
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** The notification_id of every request FCM received, in arrival order. */
    private List<String> received() throws InterruptedException {
        List<String> ids = new ArrayList<>();
        while (fcm.http.requestCount() > 0) {
            ids.add(FcmStandIn.message(fcm.http.take()).get("data").get("notification_id").asText());
        }
        return ids;
    }

    @Test
    void twoDispatchersDeliverEveryRowExactlyOnce() throws Exception {
        int rows = 300;
        pending(rows);
        NotificationDispatcher a = dispatcher("replica-a");
        NotificationDispatcher b = dispatcher("replica-b");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> runs = new ArrayList<>();
            for (NotificationDispatcher d : List.of(a, b)) {
                runs.add(pool.submit(() -> {
                    int claimed = 0;
                    for (int n = d.runOnce(); n > 0 || count("status = 'PENDING'") > 0; n = d.runOnce()) {
                        claimed += n;
                    }
                    return claimed;
                }));
            }
            int claimedA = runs.get(0).get(2, TimeUnit.MINUTES);
            int claimedB = runs.get(1).get(2, TimeUnit.MINUTES);
            assertThat(claimedA + claimedB).isEqualTo(rows);
        } finally {
            pool.shutdownNow();
        }
        List<String> ids = received();
        assertThat(ids).hasSize(rows).doesNotHaveDuplicates();
        assertThat(count("status = 'SENT' AND attempts = 1 AND delivered_devices = 1")).isEqualTo(rows);
    }

    @Test
    void aDispatcherThatDiesAfterClaimingLeavesItsRowsToAnotherOnceTheLeaseEnds() throws Exception {
        pending(10);
        NotificationDispatcher dying = dispatcher("replica-dying");
        List<NotificationDispatcher.Claimed> claimed = dying.claim(10);
        assertThat(claimed).hasSize(10);
        dying.deliver(claimed.subList(0, 4)); // then the process is gone: 6 rows stay claimed
        assertThat(received()).hasSize(4);

        NotificationDispatcher restarted = dispatcher("replica-restarted");
        assertThat(restarted.runOnce()).as("the dead replica's lease still holds").isZero();
        assertThat(received()).isEmpty();

        clock.advance(settings.lease.plusSeconds(1));
        assertThat(restarted.runOnce()).isEqualTo(6);
        List<String> resent = received();
        assertThat(resent).hasSize(6).doesNotHaveDuplicates();
        assertThat(resent).doesNotContainAnyElementsOf(claimed.subList(0, 4).stream().map(c -> c.id().toString()).toList());
        assertThat(count("status = 'SENT'")).isEqualTo(10);
        assertThat(count("claim_token IS NOT NULL")).isZero();
    }

    @Test
    void aDispatcherStalledPastItsLeaseSendsNothingAnotherTookOver() throws Exception {
        pending(3);
        NotificationDispatcher stalled = dispatcher("replica-stalled");
        List<NotificationDispatcher.Claimed> claimed = stalled.claim(10);
        clock.advance(settings.lease.plusSeconds(1));
        assertThat(dispatcher("replica-other").runOnce()).isEqualTo(3);
        assertThat(received()).hasSize(3);

        stalled.deliver(claimed); // wakes up late
        assertThat(received()).isEmpty();
        assertThat(count("status = 'SENT' AND attempts = 2")).isEqualTo(3);
    }

    @Test
    void theRunningDispatcherIsWokenByNotifyAndStopsGracefully() throws Exception {
        server.close();
        Map<String, Object> properties = new HashMap<>();
        // Only NOTIFY can wake it within the test: the poll would come after an hour.
        properties.put("chargebot.notifications.poll-interval", "1h");
        server = TestServers.start(TestDatabases.create(), properties, clock, sender);
        db = server.context().getBean(Db.class);
        List<UUID> users = pending(1);
        FakeProvider.Request request = fcm.http.take();
        assertThat(FcmStandIn.token(request)).isEqualTo("token-" + users.get(0));
        server.close();
        // Closing waited for the batch in hand: its outcome is written and no lease is left behind.
        try (java.sql.Connection c = TestDatabases.connect(server.database());
             ResultSet rs = c.createStatement().executeQuery("SELECT status, claim_token FROM notification_outbox")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("SENT");
            assertThat(rs.getObject(2)).isNull();
        }
    }
}
