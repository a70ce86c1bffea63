package io.chargebot.server.robot;

import com.google.protobuf.Timestamp;
import io.chargebot.api.RobotIds;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ConnectionState;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotEventType;
import io.chargebot.robot.v1.RobotPosition;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.server.grpc.ResourceNames;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * Checks of robot messages against the protocol (robot_service.proto); each returns null when the
 * message is valid, else what is wrong (sent back as RejectedMessage.detail with INVALID_CONTENT).
 */
final class RobotValidation {

    private RobotValidation() {}

    @Nullable
    static String telemetry(Telemetry t, Instant now, long maxFutureSeconds) {
        String common = common(t.getRobotId(), t.getSequence(), t.hasTime() ? t.getTime() : null, now, maxFutureSeconds);
        if (common != null) {
            return common;
        }
        if (!RobotStates.REPORTABLE.contains(t.getState())) {
            return "state: must be IDLE, MOVING, CHARGING, RETURNING or ERROR (got " + t.getState() + ")";
        }
        if (!Double.isFinite(t.getBatteryPercent()) || t.getBatteryPercent() < 0 || t.getBatteryPercent() > 100) {
            return "battery_percent: must be 0..100 (got " + t.getBatteryPercent() + ")";
        }
        if (!Double.isFinite(t.getSpeedMetersPerSecond()) || t.getSpeedMetersPerSecond() < 0) {
            return "speed_meters_per_second: must be 0 or more";
        }
        if (!Double.isFinite(t.getChargingPowerKw()) || t.getChargingPowerKw() < 0) {
            return "charging_power_kw: must be 0 or more";
        }
        if (!Double.isFinite(t.getEnergyDeliveredKwh()) || t.getEnergyDeliveredKwh() < 0) {
            return "energy_delivered_kwh: must be 0 or more";
        }
        if (t.hasPosition()) {
            String position = position(t.getPosition());
            if (position != null) {
                return position;
            }
        }
        if (!t.getReservation().isEmpty() && !isReservationName(t.getReservation())) {
            return "reservation: must be empty or reservations/{uuid}";
        }
        if (t.getErrorCode().length() > 64) {
            return "error_code: at most 64 characters";
        }
        if (t.getErrorMessage().length() > 500) {
            return "error_message: at most 500 characters";
        }
        return null;
    }

    @Nullable
    static String event(RobotEvent e, Instant now, long maxFutureSeconds) {
        String common = common(e.getRobotId(), e.getSequence(), e.hasTime() ? e.getTime() : null, now, maxFutureSeconds);
        if (common != null) {
            return common;
        }
        RobotEventType type = e.getType();
        if (type == RobotEventType.ROBOT_EVENT_TYPE_UNSPECIFIED || type == RobotEventType.UNRECOGNIZED) {
            return "type: must be set to a known event type";
        }
        boolean command = type == RobotEventType.ROBOT_EVENT_TYPE_COMMAND_ACK
                || type == RobotEventType.ROBOT_EVENT_TYPE_COMMAND_REJECTED;
        if (!command && !isReservationName(e.getReservation())) {
            return "reservation: required as reservations/{uuid} for " + type.name();
        }
        if (command) {
            if (!isUuid(e.getCommandId())) {
                return "command_id: required (the command's UUID) for " + type.name();
            }
            if (!e.getReservation().isEmpty() && !isReservationName(e.getReservation())) {
                return "reservation: must be empty or reservations/{uuid}";
            }
        }
        if (e.getErrorCode().length() > 64) {
            return "error_code: at most 64 characters";
        }
        if (e.getMessage().length() > 500) {
            return "message: at most 500 characters";
        }
        if (!Double.isFinite(e.getEnergyDeliveredKwh()) || e.getEnergyDeliveredKwh() < 0 || e.getEnergyDeliveredKwh() >= 100_000) {
            return "energy_delivered_kwh: must be 0..99999.99";
        }
        return null;
    }

    @Nullable
    static String connection(ConnectionChange c, Instant now, long maxFutureSeconds) {
        String common = common(c.getRobotId(), c.getSequence(), c.hasTime() ? c.getTime() : null, now, maxFutureSeconds);
        if (common != null) {
            return common;
        }
        if (c.getState() == ConnectionState.CONNECTION_STATE_UNSPECIFIED || c.getState() == ConnectionState.UNRECOGNIZED) {
            return "state: must be ONLINE, OFFLINE or CONNECTION_BROKEN";
        }
        return null;
    }

    @Nullable
    private static String common(String robotId, long sequence, @Nullable Timestamp time, Instant now, long maxFutureSeconds) {
        if (!RobotIds.valid(robotId)) {
            return "robot_id: must be " + RobotIds.RULE;
        }
        if (sequence <= 0) {
            return "sequence: must be 1..2^63-1 (got " + sequence + ")";
        }
        if (time == null) {
            return "time: required";
        }
        // Timestamps PostgreSQL and the log partitions can hold: years 1970..9999, and not far in the future.
        if (time.getSeconds() < 0 || time.getNanos() < 0 || time.getNanos() > 999_999_999
                || time.getSeconds() > now.getEpochSecond() + maxFutureSeconds) {
            return "time: must be a valid instant, not more than a day ahead of the server";
        }
        return null;
    }

    @Nullable
    private static String position(RobotPosition p) {
        if (p.hasLocation()) {
            double lat = p.getLocation().getLatitude();
            double lng = p.getLocation().getLongitude();
            if (!Double.isFinite(lat) || lat < -90 || lat > 90 || !Double.isFinite(lng) || lng < -180 || lng > 180) {
                return "position.location: latitude must be -90..90 and longitude -180..180";
            }
        }
        if (p.getFloor().length() > 10) {
            return "position.floor: at most 10 characters";
        }
        if (!Double.isFinite(p.getXMeters()) || !Double.isFinite(p.getYMeters())) {
            return "position: x_meters and y_meters must be finite";
        }
        if (!Double.isFinite(p.getHeadingDegrees()) || p.getHeadingDegrees() < 0 || p.getHeadingDegrees() > 360) {
            return "position.heading_degrees: must be 0..360";
        }
        return null;
    }

    static boolean isReservationName(String name) {
        String prefix = ResourceNames.RESERVATIONS + '/';
        return name.startsWith(prefix) && isUuid(name.substring(prefix.length()));
    }

    static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(text).toString().equalsIgnoreCase(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
