package io.chargebot.server.robot;

import io.chargebot.server.DaemonThreads;
import io.chargebot.common.v1.ErrorReason;
import io.chargebot.robot.v1.Robot;
import io.chargebot.robot.v1.WatchRobotStatesResponse;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fan-out of robot state changes to WatchRobotStates subscribers on this replica. Changes come from
 * this replica's ingestion and background work and, through {@link RobotNotifications}, from the
 * others. One thread loads changed robots and sends snapshots, so a subscriber never gets a state
 * older than one it already has. Each subscriber keeps at most one pending state per robot (newer
 * replaces older) while its stream is not ready; when more than {@code watch-buffer-robots} robots are
 * pending the subscriber is too slow and its stream ends with RESOURCE_EXHAUSTED (it re-subscribes
 * and gets a fresh snapshot). A robot that only moved is sent at most once a second.
 */
@Singleton
final class RobotStateHub {

    private static final Logger logger = LoggerFactory.getLogger(RobotStateHub.class);
    private static final long MOVE_INTERVAL_NANOS = 1_000_000_000L;

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final RobotNotifications notifications;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final Set<UUID> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Map<UUID, Long> lastMove = new ConcurrentHashMap<>();
    /** Robots to announce to the other replicas by the next NOTIFY (sent on the executor, coalesced). */
    private final Set<UUID> toAnnounce = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean announceScheduled = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named("chargebot-robot-watch"));

    RobotStateHub(Db db, Clock clock, RobotSettings settings, RobotNotifications notifications) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.notifications = notifications;
    }

    /** One WatchRobotStates stream. */
    private final class Subscriber {
        final ServerCallStreamObserver<WatchRobotStatesResponse> observer;
        @Nullable
        final UUID lotId;
        final Map<String, Robot> pending = new LinkedHashMap<>();
        boolean closed;

        Subscriber(ServerCallStreamObserver<WatchRobotStatesResponse> observer, @Nullable UUID lotId) {
            this.observer = observer;
            this.lotId = lotId;
        }

        synchronized void offer(List<Robot> robots, List<UUID> lots) {
            if (closed) {
                return;
            }
            for (int i = 0; i < robots.size(); i++) {
                if (lotId == null || lotId.equals(lots.get(i))) {
                    // Newest state last: re-insert so the order follows the changes.
                    pending.remove(robots.get(i).getRobotId());
                    pending.put(robots.get(i).getRobotId(), robots.get(i));
                }
            }
            if (pending.size() > settings.watchBufferRobots) {
                closed = true;
                pending.clear();
                subscribers.remove(this);
                observer.onError(new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED,
                        "the watcher fell behind by more than " + settings.watchBufferRobots
                        + " robots; watch again for a fresh snapshot").toStatusRuntimeException());
                return;
            }
            flush();
        }

        synchronized void flush() {
            if (closed || pending.isEmpty() || !observer.isReady()) {
                return;
            }
            WatchRobotStatesResponse response = WatchRobotStatesResponse.newBuilder().addAllRobots(pending.values()).build();
            pending.clear();
            try {
                observer.onNext(response);
            } catch (RuntimeException e) {
                closed = true;
                subscribers.remove(this);
            }
        }

        synchronized void close() {
            closed = true;
            pending.clear();
            subscribers.remove(this);
        }
    }

    /** Starts a watch: the snapshot first, then changes. */
    void subscribe(ServerCallStreamObserver<WatchRobotStatesResponse> observer, @Nullable UUID lotId) {
        Subscriber subscriber = new Subscriber(observer, lotId);
        observer.setOnCancelHandler(subscriber::close);
        observer.setOnReadyHandler(subscriber::flush);
        executor.execute(() -> {
            try {
                List<Robot> snapshot = snapshot(lotId);
                synchronized (subscriber) {
                    if (subscriber.closed) {
                        return;
                    }
                    observer.onNext(WatchRobotStatesResponse.newBuilder().addAllRobots(snapshot).setInitial(true).build());
                    subscribers.add(subscriber);
                }
            } catch (RuntimeException e) {
                logger.warn("Could not start a robot watch: {}", e.toString());
                subscriber.close();
                try {
                    observer.onError(e instanceof ApiException api ? api.toStatusRuntimeException()
                            : ApiException.databaseUnavailable().toStatusRuntimeException());
                } catch (RuntimeException ignored) {
                    // The call is already closed.
                }
            }
        });
    }

    private List<Robot> snapshot(@Nullable UUID lotId) {
        Instant now = clock.instant();
        return db.read(connection -> {
            List<Robot> robots = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, Robots.SELECT
                    + (lotId != null ? "WHERE b.lot_id = ? " : "") + "ORDER BY b.robot_key")) {
                ps.setTimestamp(1, Robots.silentBefore(now, settings.offlineAfter));
                if (lotId != null) {
                    ps.setObject(2, lotId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        robots.add(Robots.toProto(Robots.row(rs)));
                    }
                }
            }
            return robots;
        });
    }

    /**
     * Robots changed by this replica (after commit): sent to local watchers and announced to the other
     * replicas. {@code moved} are robots whose position alone changed, sent at most once a second.
     */
    void changed(Collection<UUID> changed, Collection<UUID> moved) {
        Set<UUID> ids = new HashSet<>(changed);
        long now = System.nanoTime();
        for (UUID id : moved) {
            Long last = lastMove.get(id);
            if (last == null || now - last >= MOVE_INTERVAL_NANOS) {
                lastMove.put(id, now);
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        // The NOTIFY is a statement and a commit of its own: not on the caller's thread (a bridge stream, which
        // reads its next request only after this returns), but on the executor, several changes per NOTIFY.
        toAnnounce.addAll(ids);
        if (announceScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::announce);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                announceScheduled.set(false); // shutting down
            }
        }
        changedElsewhere(ids);
    }

    private void announce() {
        announceScheduled.set(false);
        Set<UUID> ids = new HashSet<>(toAnnounce);
        toAnnounce.removeAll(ids);
        notifications.statesChanged(ids);
    }

    /** Robots another replica changed (or whose silence this replica noticed): sent to local watchers only. */
    void changedElsewhere(Collection<UUID> ids) {
        if (subscribers.isEmpty() || ids.isEmpty()) {
            return;
        }
        dirty.addAll(ids);
        if (drainScheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        Set<UUID> ids = new HashSet<>(dirty);
        dirty.removeAll(ids);
        if (ids.isEmpty() || subscribers.isEmpty()) {
            return;
        }
        try {
            List<Robots.Row> rows = db.read(connection -> Robots.byIds(connection, ids, clock.instant(), settings.offlineAfter));
            List<Robot> robots = new ArrayList<>(rows.size());
            List<UUID> lots = new ArrayList<>(rows.size());
            for (Robots.Row row : rows) {
                robots.add(Robots.toProto(row));
                lots.add(row.lotId());
            }
            for (Subscriber subscriber : subscribers) {
                subscriber.offer(robots, lots);
            }
        } catch (RuntimeException e) {
            logger.warn("Could not send robot changes to watchers: {}", e.toString());
        }
    }

    int subscriberCount() {
        return subscribers.size();
    }

    @PreDestroy
    void stop() {
        Workers.stop(executor);
    }
}
