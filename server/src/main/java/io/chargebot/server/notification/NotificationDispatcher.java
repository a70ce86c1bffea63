package io.chargebot.server.notification;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chargebot.server.config.ServerIdentity;
import io.chargebot.server.db.DatabaseNotifications;
import io.chargebot.server.db.Db;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox. Each round claims up to {@code batch-size} due PENDING rows with
 * {@code FOR UPDATE SKIP LOCKED} and commits a lease on them (attempts + 1, a claim token, and
 * {@code next_attempt_at} moved to the lease's end), so no other replica takes them while they are
 * being sent; then sends each row to its devices (those not yet served), and writes the outcome
 * fenced by the claim token: SENT, PENDING again with exponential back-off and jitter, FAILED with
 * the provider's reason, or FAILED as EXPIRED past {@code expires_at}. Tokens FCM reports as
 * unregistered are deleted. Woken by NOTIFY {@value #CHANNEL} (a trigger on insert) and by a poll;
 * also runs the reminder job. A replica that dies after sending but before writing the outcome
 * leaves the row to be sent again once the lease ends (at least once; the outbox id travels as
 * {@code notification_id} and Android notification tag so the app shows it once).
 */
@Singleton
public final class NotificationDispatcher implements DatabaseNotifications.Subscriber {

    static final String CHANNEL = "chargebot_notifications";
    private static final Logger logger = LoggerFactory.getLogger(NotificationDispatcher.class);
    private static final ObjectMapper json = new ObjectMapper();

    /** A row this dispatcher holds the lease of. */
    record Claimed(UUID id, UUID claimToken, @Nullable UUID userId, String type, String title, String body,
                   Map<String, String> data, @Nullable List<String> tokens, Instant expiresAt, int attempts,
                   int deliveredBefore, @Nullable String lastError) {}

    private final Db db;
    private final PushSender sender;
    private final NotificationSettings settings;
    private final Clock clock;
    private final String owner;
    @Nullable
    private final ReservationReminders reminders;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean woken;
    private volatile boolean running;
    @Nullable
    private Thread thread;

    @Inject
    NotificationDispatcher(Db db, PushSender sender, NotificationSettings settings, Clock clock, ServerIdentity identity,
                           ReservationReminders reminders) {
        this(db, sender, settings, clock, identity.id(), reminders);
    }

    NotificationDispatcher(Db db, PushSender sender, NotificationSettings settings, Clock clock, String owner,
                           @Nullable ReservationReminders reminders) {
        this.db = requireNonNull(db, "db");
        this.sender = requireNonNull(sender, "sender");
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
        this.owner = requireNonNull(owner, "owner");
        this.reminders = reminders;
    }

    @PostConstruct
    void startIfEnabled() {
        if (settings.dispatcherEnabled) {
            start();
        } else {
            logger.info("Notification dispatcher disabled on this replica (chargebot.notifications.dispatcher-enabled=false)");
        }
    }

    /** Starts the delivery thread (idempotent). */
    synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "chargebot-notification-dispatcher");
        thread.setDaemon(true);
        thread.start();
        logger.info("Notification dispatcher {} sending with {}", owner, sender.describe());
    }

    /**
     * Stops delivery on the context's ShutdownEvent, which comes before any bean is destroyed, so the
     * batch in hand writes its outcomes while the connection pool is still open.
     */
    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
    }

    /**
     * Graceful stop: claims nothing more, lets the batch in hand finish (its outcomes are written),
     * then returns. Idempotent.
     */
    @PreDestroy
    public void stop() {
        Thread running;
        synchronized (this) {
            running = thread;
            this.running = false;
            thread = null;
        }
        if (running == null) {
            return;
        }
        wake();
        try {
            running.join(settings.lease.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Instant nextSchedule = Instant.MIN;
        while (running) {
            try {
                if (reminders != null && !clock.instant().isBefore(nextSchedule)) {
                    reminders.run(clock.instant());
                    nextSchedule = clock.instant().plus(settings.scheduleInterval);
                }
                if (runOnce() == settings.batchSize) {
                    continue; // more may be due
                }
            } catch (RuntimeException e) {
                logger.warn("Notification delivery round failed ({}); retrying after the poll interval", e.toString());
            }
            await(settings.pollInterval);
        }
    }

    private void await(Duration timeout) {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (!woken && running && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Makes the delivery thread look for due rows now. */
    void wake() {
        lock.lock();
        try {
            woken = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    @Override
    public void listening() {
        wake(); // anything committed while not listening is picked up now
    }

    @Override
    public void notified(String payload) {
        wake();
    }

    @Override
    public void stopped() {
        // The poll keeps delivering.
    }

    /** One round: claim a batch and deliver it. Returns how many rows were claimed. */
    int runOnce() {
        List<Claimed> claimed = claim(settings.batchSize);
        if (!claimed.isEmpty()) {
            deliver(claimed);
        }
        return claimed.size();
    }

    /** Claims up to {@code limit} due rows: committed leases, invisible to other dispatchers until they end. */
    List<Claimed> claim(int limit) {
        Instant now = now();
        UUID token = UUID.randomUUID();
        return db.transaction(connection -> {
            List<Claimed> rows = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE notification_outbox o SET claim_token = ?, "
                    + "claimed_by = ?, attempts = o.attempts + 1, next_attempt_at = ? "
                    + "FROM (SELECT id FROM notification_outbox WHERE status = 'PENDING' AND next_attempt_at <= ? "
                    + "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) due WHERE o.id = due.id "
                    + "RETURNING o.id, o.user_id, o.type, o.title, o.body, o.data::text, o.tokens, o.expires_at, o.attempts, "
                    + "o.delivered_devices, o.last_error")) {
                ps.setObject(1, token);
                ps.setString(2, owner);
                ps.setTimestamp(3, Timestamp.from(now.plus(settings.lease)));
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Array tokens = rs.getArray(7);
                        rows.add(new Claimed(rs.getObject(1, UUID.class), token, rs.getObject(2, UUID.class), rs.getString(3),
                                rs.getString(4), rs.getString(5), data(rs.getString(6)),
                                tokens == null ? null : List.of((String[]) tokens.getArray()),
                                rs.getTimestamp(8).toInstant(), rs.getInt(9), rs.getInt(10), rs.getString(11)));
                    }
                }
            }
            return rows;
        });
    }

    /** One device of a claimed row. */
    private record Target(Claimed row, String token) {}

    /** The outcome of one row. */
    private record Outcome(String status, @Nullable Instant nextAttempt, @Nullable String lastError, int delivered) {}

    /** Sends the claimed rows and writes their outcomes. */
    void deliver(List<Claimed> rows) {
        Instant now = now();
        List<Claimed> live = new ArrayList<>();
        Map<UUID, Outcome> outcomes = new LinkedHashMap<>();
        for (Claimed row : rows) {
            if (!now.isBefore(row.expiresAt())) {
                outcomes.put(row.id(), new Outcome("FAILED", null, expired(row, row.lastError()), 0));
            } else {
                live.add(row);
            }
        }
        List<Target> targets = live.isEmpty() ? List.of() : targets(live);
        List<PushSender.Message> messages = new ArrayList<>(targets.size());
        for (Target target : targets) {
            Map<String, String> data = new LinkedHashMap<>(target.row().data());
            data.put("notification_id", target.row().id().toString());
            messages.add(new PushSender.Message(target.row().id().toString(), target.token(), target.row().title(),
                    target.row().body(), data));
        }
        List<PushSender.Result> results = messages.isEmpty() ? List.of() : sender.send(messages);
        if (results.size() != messages.size()) {
            throw new IllegalStateException("push sender answered " + results.size() + " results for " + messages.size());
        }
        Map<UUID, List<Integer>> byRow = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            byRow.computeIfAbsent(targets.get(i).row().id(), id -> new ArrayList<>()).add(i);
        }
        for (Claimed row : live) {
            outcomes.put(row.id(), outcome(row, byRow.getOrDefault(row.id(), List.of()), results, now));
        }
        Map<UUID, Claimed> byId = new LinkedHashMap<>();
        rows.forEach(row -> byId.put(row.id(), row));
        db.transaction(connection -> {
            record(connection, targets, results, now);
            try (PreparedStatement ps = Db.prepare(connection, "UPDATE notification_outbox SET status = ?, "
                    + "next_attempt_at = coalesce(?, next_attempt_at), last_error = ?, "
                    + "sent_at = CASE WHEN ? = 'SENT' THEN ? ELSE sent_at END, delivered_devices = delivered_devices + ?, "
                    + "claim_token = NULL WHERE id = ? AND claim_token = ?")) {
                for (Map.Entry<UUID, Outcome> entry : outcomes.entrySet()) {
                    Outcome outcome = entry.getValue();
                    ps.setString(1, outcome.status());
                    ps.setTimestamp(2, outcome.nextAttempt() == null ? null : Timestamp.from(outcome.nextAttempt()));
                    ps.setString(3, outcome.lastError() == null ? null : truncate(outcome.lastError()));
                    ps.setString(4, outcome.status());
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setInt(6, outcome.delivered());
                    ps.setObject(7, entry.getKey());
                    ps.setObject(8, byId.get(entry.getKey()).claimToken());
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int count : counts) {
                    if (count == 0) {
                        logger.warn("A notification's lease ended before its outcome was written; another replica owns it now");
                    }
                }
            }
            return null;
        });
    }

    /**
     * Each live row's devices not yet served: the captured tokens, or the user's devices now. Rows
     * whose lease this dispatcher no longer holds (it stalled past the lease and another replica
     * took them) get none, so they are not sent from here again.
     */
    private List<Target> targets(List<Claimed> live) {
        Map<UUID, Claimed> byId = new LinkedHashMap<>();
        live.forEach(row -> byId.put(row.id(), row));
        return db.read(connection -> {
            List<Target> targets = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "SELECT o.id, t.token "
                    + "FROM unnest(?::uuid[], ?::uuid[]) AS held (id, claim_token) "
                    + "JOIN notification_outbox o ON o.id = held.id AND o.claim_token = held.claim_token "
                    + "CROSS JOIN LATERAL (SELECT unnest(o.tokens) AS token WHERE o.tokens IS NOT NULL "
                    + "UNION ALL SELECT d.fcm_token FROM devices d WHERE o.tokens IS NULL AND d.user_id = o.user_id) t "
                    + "WHERE NOT EXISTS (SELECT 1 FROM notification_deliveries nd "
                    + "WHERE nd.notification_id = o.id AND nd.token_hash = sha256(convert_to(t.token, 'UTF8'))) "
                    + "ORDER BY o.id")) {
                ps.setArray(1, connection.createArrayOf("uuid", byId.keySet().toArray()));
                ps.setArray(2, connection.createArrayOf("uuid", live.stream().map(Claimed::claimToken).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        targets.add(new Target(byId.get(rs.getObject(1, UUID.class)), rs.getString(2)));
                    }
                }
            }
            return targets;
        });
    }

    /**
     * The rule: a transient error on any device keeps the row PENDING (with back-off) for those
     * devices; otherwise SENT when at least one device ever accepted it, else FAILED with the reasons.
     * A row with no device left is SKIPPED (NO_DEVICE).
     */
    private Outcome outcome(Claimed row, List<Integer> indexes, List<PushSender.Result> results, Instant now) {
        int delivered = 0;
        String retryReason = null;
        List<String> problems = new ArrayList<>();
        for (int i : indexes) {
            PushSender.Result result = results.get(i);
            switch (result.outcome()) {
                case DELIVERED -> delivered++;
                case RETRY -> retryReason = result.reason();
                case TOKEN_INVALID -> problems.add(result.reason() + " (device removed)");
                case FAILED -> problems.add(result.reason());
            }
        }
        String others = problems.isEmpty() ? null : String.join("; ", problems);
        if (retryReason != null) {
            Instant next = now.plus(backoff(row.attempts()));
            String reason = others == null ? retryReason : retryReason + "; " + others;
            if (!next.isBefore(row.expiresAt())) {
                return row.deliveredBefore() + delivered > 0
                        ? new Outcome("SENT", null, expired(row, reason), delivered)
                        : new Outcome("FAILED", null, expired(row, reason), delivered);
            }
            return new Outcome("PENDING", next, reason, delivered);
        }
        if (row.deliveredBefore() + delivered > 0) {
            return new Outcome("SENT", null, others, delivered);
        }
        if (indexes.isEmpty()) {
            return new Outcome("SKIPPED", null, "NO_DEVICE", 0);
        }
        return new Outcome("FAILED", null, others, 0);
    }

    private static String expired(Claimed row, @Nullable String reason) {
        return "EXPIRED after " + row.attempts() + " attempts" + (reason == null ? "" : ": " + reason);
    }

    /** Exponential back-off with jitter: half the doubled delay plus a random part of the other half. */
    Duration backoff(int attempts) {
        long base = settings.initialBackoff.toMillis();
        long cap = settings.maxBackoff.toMillis();
        long delay = attempts >= 31 ? cap : Math.min(cap, base << Math.max(0, attempts - 1));
        long half = delay / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** Writes what the devices said: deliveries recorded, invalid tokens removed. */
    private void record(Connection connection, List<Target> targets, List<PushSender.Result> results, Instant now)
            throws SQLException {
        try (PreparedStatement delivered = Db.prepare(connection, "INSERT INTO notification_deliveries "
                + "(notification_id, token_hash, message_id, delivered_at) VALUES (?, sha256(convert_to(?, 'UTF8')), ?, ?) "
                + "ON CONFLICT DO NOTHING");
             PreparedStatement removed = Db.prepare(connection, "DELETE FROM devices WHERE fcm_token = ?")) {
            boolean anyDelivered = false;
            boolean anyRemoved = false;
            for (int i = 0; i < targets.size(); i++) {
                PushSender.Result result = results.get(i);
                Target target = targets.get(i);
                if (result.outcome() == PushSender.Outcome.DELIVERED) {
                    delivered.setObject(1, target.row().id());
                    delivered.setString(2, target.token());
                    delivered.setString(3, result.messageId().isEmpty() ? null : result.messageId());
                    delivered.setTimestamp(4, Timestamp.from(now));
                    delivered.addBatch();
                    anyDelivered = true;
                } else if (result.outcome() == PushSender.Outcome.TOKEN_INVALID) {
                    logger.info("FCM reported token {} of users/{} as {}; device removed", PushSender.mask(target.token()),
                            target.row().userId(), result.reason());
                    removed.setString(1, target.token());
                    removed.addBatch();
                    anyRemoved = true;
                } else {
                    logger.info("Notification {} to {}: {} ({})", target.row().id(), PushSender.mask(target.token()),
                            result.outcome(), result.reason());
                }
            }
            if (anyDelivered) {
                delivered.executeBatch();
            }
            if (anyRemoved) {
                removed.executeBatch();
            }
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String truncate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 1000);
    }

    private static Map<String, String> data(String text) {
        try {
            Map<?, ?> parsed = json.readValue(text, Map.class);
            Map<String, String> data = new LinkedHashMap<>();
            parsed.forEach((k, v) -> data.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
            return data;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox data is not a JSON object", e);
        }
    }
}
