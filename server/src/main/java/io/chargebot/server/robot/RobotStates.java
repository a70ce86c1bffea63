package io.chargebot.server.robot;

import io.chargebot.robot.v1.RobotState;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The robot state machine. Robots report IDLE, MOVING, CHARGING, RETURNING and ERROR in telemetry;
 * the server sets DISPATCHED (dispatch from IDLE) and derives OFFLINE from the connection topic and
 * silence (so the stored state is the last working state and survives a reconnect).
 *
 * <pre>
 * stored state   reported by telemetry            becomes
 * OFFLINE        any reportable state             the reported state (first report after registration)
 * IDLE           any                              reported (DISPATCHED only through dispatch)
 * DISPATCHED     IDLE                             DISPATCHED while it has a reservation (the robot has not
 *                                                 taken the command up yet); IDLE once it has none
 * DISPATCHED     MOVING, CHARGING, RETURNING, ERROR  reported
 * MOVING, CHARGING, RETURNING, ERROR  any         reported
 * </pre>
 * While the robot's connection is down (last connection message OFFLINE or CONNECTION_BROKEN), late
 * telemetry is stored but does not change the state.
 */
final class RobotStates {

    /** States a robot may report. */
    static final Set<RobotState> REPORTABLE = Collections.unmodifiableSet(EnumSet.of(RobotState.ROBOT_STATE_IDLE,
            RobotState.ROBOT_STATE_MOVING, RobotState.ROBOT_STATE_CHARGING, RobotState.ROBOT_STATE_RETURNING,
            RobotState.ROBOT_STATE_ERROR));

    /** Reports that do not change a stored state. */
    private static final Map<String, Set<String>> HELD = Map.of("DISPATCHED", Set.of("IDLE"));

    private RobotStates() {}

    static String name(RobotState state) {
        return state.name().substring("ROBOT_STATE_".length());
    }

    /** The stored state after a telemetry report of {@code reported}. */
    static String afterReport(String current, boolean connectionUp, boolean hasReservation, String reported) {
        if (!connectionUp) {
            return current;
        }
        if (hasReservation && HELD.getOrDefault(current, Set.of()).contains(reported)) {
            return current;
        }
        return reported;
    }
}
