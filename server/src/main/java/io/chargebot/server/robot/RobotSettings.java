package io.chargebot.server.robot;

import io.chargebot.server.config.ServerIdentity;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Robot settings ({@code chargebot.robots.*}): dispatch lead time, command lifetime and re-send policy,
 * when a silent robot counts as offline, batch and watch limits, and how often the background work runs.
 */
@Singleton
final class RobotSettings {

    /** Id of this replica, in BridgeWelcome and in NOTIFY payloads so a replica can skip its own. */
    final String serverId;
    /** A reservation is due when its window starts within this long (or has started and not ended). */
    final Duration dispatchLeadTime;
    /** How long a GO_TO_SPOT or RETURN_TO_BASE command may be executed after it was issued. */
    final Duration commandTtl;
    /** An unacknowledged command is sent again after this long, until it expires. */
    final Duration commandResendInterval;
    /** A robot silent for this long is not online (and is marked OFFLINE by the sweep). */
    final Duration offlineAfter;
    /** Most telemetry items per TelemetryBatch. */
    final int maxBatchSize;
    /** Most robots with an unsent change per watcher before it is closed with RESOURCE_EXHAUSTED. */
    final int watchBufferRobots;
    /** How often this replica looks for commands to send (also woken by NOTIFY). */
    final Duration commandPollInterval;
    /** How often free robots are matched with due reservations and silent robots marked OFFLINE. */
    final Duration sweepInterval;
    /**
     * How long a deduplication key (robot, sequence) is kept after it was stored. Must be longer than any copy of a
     * message can stay on its way: the bridges' broker session expiry (1 day) plus a robot's re-publish after a
     * reconnect; see docs/robots-server.md.
     */
    final Duration keyRetention;
    /** How long robot_logs keeps a message, by the robot's timestamp (whole days: daily partitions are dropped). */
    final Duration logRetention;
    /** How often the log maintenance (partitions ahead, expired partitions and keys) runs. */
    final Duration maintenanceInterval;
    /**
     * When its first round runs after start: at once by default, so today's partition exists before robots report (rows
     * that reach the default partition first are moved later, under a lock that holds up ingestion meanwhile).
     */
    final Duration maintenanceFirstRun;
    /** Transactions storing bridge requests at once, for all streams (requests of one robot always one at a time). */
    final int ingestThreads;
    /** Requests of one bridge stream read and not yet stored (gRPC flow control holds the rest). */
    final int streamWindow;
    /** A robot farther than this from its base (floor map, meters) or on another floor is away from base (Homing). */
    final double baseRadiusMeters;

    RobotSettings(@Nullable @Value("${chargebot.server-id:}") String serverId,
                  @Value("${chargebot.robots.dispatch-lead-time:15m}") Duration dispatchLeadTime,
                  @Value("${chargebot.robots.command-ttl:10m}") Duration commandTtl,
                  @Value("${chargebot.robots.command-resend-interval:10s}") Duration commandResendInterval,
                  @Value("${chargebot.robots.offline-after:60s}") Duration offlineAfter,
                  @Value("${chargebot.robots.max-batch-size:500}") int maxBatchSize,
                  @Value("${chargebot.robots.watch-buffer-robots:10000}") int watchBufferRobots,
                  @Value("${chargebot.robots.command-poll-interval:1s}") Duration commandPollInterval,
                  @Value("${chargebot.robots.sweep-interval:5s}") Duration sweepInterval,
                  @Value("${chargebot.robots.key-retention:7d}") Duration keyRetention,
                  @Value("${chargebot.robots.log-retention:30d}") Duration logRetention,
                  @Value("${chargebot.robots.maintenance-interval:1h}") Duration maintenanceInterval,
                  @Value("${chargebot.robots.maintenance-first-run:0s}") Duration maintenanceFirstRun,
                  @Value("${chargebot.robots.base-radius-meters:1.0}") double baseRadiusMeters,
                  @Value("${chargebot.robots.ingest-threads:4}") int ingestThreads,
                  @Value("${chargebot.robots.stream-window:32}") int streamWindow) {
        this.serverId = serverId == null || serverId.isBlank() ? ServerIdentity.defaultId() : serverId;
        this.dispatchLeadTime = dispatchLeadTime;
        this.commandTtl = commandTtl;
        this.commandResendInterval = commandResendInterval;
        this.offlineAfter = offlineAfter;
        this.maxBatchSize = maxBatchSize;
        this.watchBufferRobots = watchBufferRobots;
        this.commandPollInterval = commandPollInterval;
        this.sweepInterval = sweepInterval;
        if (keyRetention.compareTo(Duration.ofDays(2)) < 0) {
            throw new IllegalArgumentException("chargebot.robots.key-retention must be at least 2d (the bridges' broker "
                    + "session expiry is 1 day), got " + keyRetention);
        }
        this.keyRetention = keyRetention;
        this.logRetention = logRetention;
        this.maintenanceInterval = maintenanceInterval;
        if (maintenanceFirstRun.isNegative()) {
            throw new IllegalArgumentException("chargebot.robots.maintenance-first-run must not be negative, got "
                    + maintenanceFirstRun);
        }
        this.maintenanceFirstRun = maintenanceFirstRun;
        if (!(baseRadiusMeters >= 0) || Double.isInfinite(baseRadiusMeters)) {
            throw new IllegalArgumentException("chargebot.robots.base-radius-meters must be a finite number >= 0, got "
                    + baseRadiusMeters);
        }
        this.baseRadiusMeters = baseRadiusMeters;
        if (ingestThreads < 1 || streamWindow < 1) {
            throw new IllegalArgumentException("chargebot.robots.ingest-threads and stream-window must be at least 1, got "
                    + ingestThreads + " and " + streamWindow);
        }
        this.ingestThreads = ingestThreads;
        this.streamWindow = streamWindow;
    }
}
