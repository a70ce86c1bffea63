package io.chargebot.server.notification;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Notification settings ({@code chargebot.notifications.*}): how long and how often delivery is
 * retried, the dispatcher's batch, lease and poll interval, and the reminder job.
 */
@Singleton
public final class NotificationSettings {

    /** A notification not delivered within this long after its event is FAILED (EXPIRED). */
    final Duration maxAge;
    /** Wait before the first retry; doubles per attempt (with jitter) up to {@link #maxBackoff}. */
    final Duration initialBackoff;
    final Duration maxBackoff;
    /** How long a claimed row belongs to the replica that claimed it; after that another may take it. */
    final Duration lease;
    /** Most rows claimed at once by one dispatcher. */
    final int batchSize;
    /** The dispatcher looks for due rows this often even without a NOTIFY (retries come due this way). */
    final Duration pollInterval;
    /** Whether this replica runs the dispatcher and the reminder job. */
    final boolean dispatcherEnabled;
    /** The reminder is sent this long before a reservation starts. */
    final Duration reminderLeadTime;
    /** How often the reminder and no-show job runs. */
    final Duration scheduleInterval;

    public NotificationSettings(@Value("${chargebot.notifications.max-age:24h}") Duration maxAge,
                                @Value("${chargebot.notifications.initial-backoff:10s}") Duration initialBackoff,
                                @Value("${chargebot.notifications.max-backoff:15m}") Duration maxBackoff,
                                @Value("${chargebot.notifications.lease:2m}") Duration lease,
                                @Value("${chargebot.notifications.batch-size:50}") int batchSize,
                                @Value("${chargebot.notifications.poll-interval:5s}") Duration pollInterval,
                                @Value("${chargebot.notifications.dispatcher-enabled:true}") boolean dispatcherEnabled,
                                @Value("${chargebot.notifications.reminder-lead-time:30m}") Duration reminderLeadTime,
                                @Value("${chargebot.notifications.schedule-interval:1m}") Duration scheduleInterval) {
        this.maxAge = positive("chargebot.notifications.max-age", maxAge);
        this.initialBackoff = positive("chargebot.notifications.initial-backoff", initialBackoff);
        this.maxBackoff = positive("chargebot.notifications.max-backoff", maxBackoff);
        this.lease = positive("chargebot.notifications.lease", lease);
        if (batchSize < 1 || batchSize > 500) {
            throw new ConfigurationException("chargebot.notifications.batch-size (CHARGEBOT_NOTIFICATIONS_BATCH_SIZE): "
                    + batchSize + " (expected: 1..500)");
        }
        this.batchSize = batchSize;
        this.pollInterval = positive("chargebot.notifications.poll-interval", pollInterval);
        this.dispatcherEnabled = dispatcherEnabled;
        this.reminderLeadTime = positive("chargebot.notifications.reminder-lead-time", reminderLeadTime);
        this.scheduleInterval = positive("chargebot.notifications.schedule-interval", scheduleInterval);
    }

    /** The maximum age, for callers that compute an expiry themselves. */
    public Duration maxAge() {
        return maxAge;
    }

    private static Duration positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new ConfigurationException(property + " (" + property.replace('.', '_').replace('-', '_').toUpperCase()
                    + "): " + value + " (expected: a positive duration such as 30s)");
        }
        return value;
    }
}
