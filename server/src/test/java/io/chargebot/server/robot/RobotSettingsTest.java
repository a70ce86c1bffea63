package io.chargebot.server.robot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The robot settings refuse values that cannot work, naming the property. */
class RobotSettingsTest {

    private static RobotSettings settings(Duration keyRetention, Duration maintenanceFirstRun, double baseRadius,
                                          int ingestThreads) {
        return new RobotSettings("server-1", Duration.ofMinutes(15), Duration.ofMinutes(10), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 500, 10_000, Duration.ofSeconds(1), Duration.ofSeconds(5), keyRetention,
                Duration.ofDays(30), Duration.ofHours(1), maintenanceFirstRun, baseRadius, ingestThreads, 32);
    }

    @Test
    void theDefaultsAndAZeroFirstRunAreAccepted() {
        RobotSettings s = settings(Duration.ofDays(7), Duration.ZERO, 1.0, 4);
        assertThat(s.maintenanceFirstRun).isZero();
        assertThat(s.maintenanceInterval).isEqualTo(Duration.ofHours(1));
        assertThat(s.serverId).isEqualTo("server-1");
    }

    @Test
    void badValuesAreRefusedWithThePropertyNamed() {
        assertThatThrownBy(() -> settings(Duration.ofDays(7), Duration.ofSeconds(-1), 1.0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chargebot.robots.maintenance-first-run");
        assertThatThrownBy(() -> settings(Duration.ofDays(1), Duration.ZERO, 1.0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chargebot.robots.key-retention");
        assertThatThrownBy(() -> settings(Duration.ofDays(7), Duration.ZERO, Double.NaN, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chargebot.robots.base-radius-meters");
        assertThatThrownBy(() -> settings(Duration.ofDays(7), Duration.ZERO, 1.0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chargebot.robots.ingest-threads");
    }
}
