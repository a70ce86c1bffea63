package io.chargebot.server.robot;

import io.chargebot.server.DaemonThreads;
import io.chargebot.server.db.Db;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The robots' background work on every replica: delivery of the commands of dispatches made while
 * storing a bridge's message, dispatch of freed robots whose dispatch there failed, a periodic sweep
 * (expired commands, reservations that became due while robots were idle, robots that fell silent)
 * and the periodic command poll. Every step is safe to run on several replicas at once: the
 * database's row locks decide.
 */
@Singleton
final class RobotBackground {

    private static final Logger logger = LoggerFactory.getLogger(RobotBackground.class);

    private final Db db;
    private final Clock clock;
    private final RobotSettings settings;
    private final Dispatcher dispatcher;
    private final CommandRelay relay;
    private final RobotStateHub hub;
    private final RobotNotifications notifications;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chargebot-robot-sweep"));
    private final ExecutorService dispatchExecutor = Executors.newSingleThreadExecutor(DaemonThreads.named("chargebot-robot-dispatch"));
    private Instant lastSweep;

    RobotBackground(Db db, Clock clock, RobotSettings settings, Dispatcher dispatcher, CommandRelay relay, RobotStateHub hub,
                    RobotNotifications notifications) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.relay = relay;
        this.hub = hub;
        this.notifications = notifications;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        notifications.start(relay::wake, hub::changedElsewhere);
        scheduler.scheduleWithFixedDelay(this::sweep, settings.sweepInterval.toMillis(), settings.sweepInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(relay::wake, settings.commandPollInterval.toMillis(),
                settings.commandPollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Tries again to dispatch robots that became free but whose dispatch in the freeing transaction failed. */
    void dispatchSoon(Collection<UUID> robots) {
        if (robots.isEmpty()) {
            return;
        }
        List<UUID> ids = List.copyOf(robots);
        try {
            dispatchExecutor.execute(() -> dispatch(ids, false));
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    private void dispatch(List<UUID> robots, boolean skipLocked) {
        List<RobotCommands.Issued> done = new ArrayList<>();
        for (UUID robot : robots) {
            try {
                RobotCommands.Issued dispatched = dispatcher.dispatch(robot, skipLocked);
                if (dispatched != null) {
                    done.add(dispatched);
                    sent(List.of(dispatched));
                }
            } catch (RuntimeException e) {
                logger.warn("Dispatch of robot {} failed: {}", robot, e.toString());
            }
        }
        if (!done.isEmpty()) {
            hub.changed(done.stream().map(RobotCommands.Issued::robotId).toList(), Set.of());
        }
    }

    /**
     * After the commit of issued commands (dispatch, Homing): they go out on this replica's streams at once when claimed,
     * else the relay is woken for them (a replica holding no stream leaves them to the others, told by the trigger).
     */
    void sent(List<RobotCommands.Issued> issued) {
        boolean queued = false;
        for (RobotCommands.Issued done : issued) {
            if (done.claimed()) {
                relay.deliver(List.of(done.command()));
            } else {
                queued = true;
            }
            if (done.reservationId() != null) {
                logger.info("Robot {}: {} for reservations/{} (command {})", done.command().getRobotId(), done.kind(),
                        done.reservationId(), done.commandId());
            } else {
                logger.info("Robot {}: {} (command {})", done.command().getRobotId(), done.kind(), done.commandId());
            }
        }
        if (queued) {
            relay.wake();
        }
    }

    /** One round of the periodic work; public to the package so tests' waits need not depend on its timing. */
    void sweep() {
        try {
            Set<UUID> released = relay.expire();
            hub.changed(released, Set.of());
            dispatch(dispatcher.freeRobots(), true);
            noticeSilence();
        } catch (RuntimeException e) {
            logger.warn("Robot sweep failed: {}", e.toString());
        }
    }

    /** Robots that fell silent since the last sweep: shown OFFLINE now, so watchers hear of it. */
    private void noticeSilence() {
        Instant now = clock.instant();
        Instant since = lastSweep != null ? lastSweep : now.minus(settings.sweepInterval.multipliedBy(2));
        lastSweep = now;
        if (!since.isBefore(now)) {
            return;
        }
        List<UUID> silent = db.read(connection -> {
            List<UUID> ids = new ArrayList<>();
            try (PreparedStatement ps = Db.prepare(connection, "SELECT id FROM robots WHERE online AND last_seen_at < ? "
                    + "AND last_seen_at >= ?")) {
                ps.setTimestamp(1, Timestamp.from(now.minus(settings.offlineAfter)));
                ps.setTimestamp(2, Timestamp.from(since.minus(settings.offlineAfter)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return ids;
        });
        hub.changedElsewhere(silent);
    }

    /**
     * Stops the robots' background work before the beans it uses (the connection pool) are destroyed: the
     * ShutdownEvent comes before any bean is. Sweep and dispatch first (they feed the relay and the hub), then the
     * listener, the relay and the hub; each finishes what it is doing and is waited for (bounded).
     */
    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
        notifications.stop();
        relay.stop();
        hub.stop();
    }

    @PreDestroy
    void stop() {
        Workers.stop(scheduler);
        Workers.stop(dispatchExecutor);
    }
}
