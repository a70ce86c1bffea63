package io.chargebot.server.robot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checked transitions of robot states on telemetry reports. */
class RobotStatesTest {

    @Test
    void aDispatchedRobotStillReportingIdleStaysDispatchedUntilItMoves() {
        assertThat(RobotStates.afterReport("DISPATCHED", true, true, "IDLE")).isEqualTo("DISPATCHED");
        assertThat(RobotStates.afterReport("DISPATCHED", true, true, "MOVING")).isEqualTo("MOVING");
        assertThat(RobotStates.afterReport("DISPATCHED", true, true, "ERROR")).isEqualTo("ERROR");
    }

    @Test
    void aDispatchedRobotWithoutAReservationFollowsItsReport() {
        assertThat(RobotStates.afterReport("DISPATCHED", true, false, "IDLE")).isEqualTo("IDLE");
    }

    @Test
    void reportsWhileTheConnectionIsDownDoNotChangeTheState() {
        assertThat(RobotStates.afterReport("CHARGING", false, true, "IDLE")).isEqualTo("CHARGING");
        assertThat(RobotStates.afterReport("OFFLINE", false, false, "IDLE")).isEqualTo("OFFLINE");
    }

    @Test
    void otherwiseTheRobotsReportIsItsState() {
        assertThat(RobotStates.afterReport("OFFLINE", true, false, "IDLE")).isEqualTo("IDLE");
        assertThat(RobotStates.afterReport("MOVING", true, true, "CHARGING")).isEqualTo("CHARGING");
        assertThat(RobotStates.afterReport("ERROR", true, false, "IDLE")).isEqualTo("IDLE");
    }
}
