package io.chargebot.server.robot;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chargebot.robot.v1.CommandType;
import io.chargebot.robot.v1.ConnectionChange;
import io.chargebot.robot.v1.ListRobotLogsRequest;
import io.chargebot.robot.v1.ListRobotLogsResponse;
import io.chargebot.robot.v1.RobotCommand;
import io.chargebot.robot.v1.RobotEvent;
import io.chargebot.robot.v1.RobotLog;
import io.chargebot.robot.v1.RobotLogKind;
import io.chargebot.robot.v1.Telemetry;
import io.chargebot.server.db.Db;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.Violations;
import io.chargebot.server.grpc.PageSizes;
import io.chargebot.server.grpc.PageTokens;
import io.chargebot.server.grpc.ProtoTime;
import io.chargebot.server.grpc.ResourceNames;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.UUID;

/**
 * ListRobotLogs: the robot's stored messages (robot_logs) and the commands sent to it
 * (robot_commands) in one time-ordered list, paged by keyset (time, sequence, command id). A robot
 * message's log id is "s{sequence}" (unique per robot); a command's is "c{command_id}".
 */
@Singleton
final class RobotLogs {

    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    private static final Duration DEFAULT_RANGE = Duration.ofHours(24);

    private final Db db;
    private final Clock clock;
    private final PageTokens pageTokens;

    RobotLogs(Db db, Clock clock, PageTokens pageTokens) {
        this.db = db;
        this.clock = clock;
        this.pageTokens = pageTokens;
    }

    private static final String UNION = "SELECT * FROM ("
            + "SELECT kind, recorded_at AS t, sequence AS seq, '' AS cid, received_at AS received, message, "
            + "NULL::text AS cmd_kind, NULL::uuid AS reservation_id, NULL::timestamptz AS expires_at FROM robot_logs "
            + "WHERE robot_id = ? AND recorded_at >= ? AND recorded_at < ? AND kind = ANY (?) "
            + "UNION ALL SELECT 'COMMAND', created_at, 0, id::text, coalesce(sent_at, created_at), message, kind, reservation_id, "
            + "expires_at FROM robot_commands WHERE robot_id = ? AND created_at >= ? AND created_at < ? AND 'COMMAND' = ANY (?)"
            + ") x ";

    ListRobotLogsResponse list(ListRobotLogsRequest request) {
        Violations v = new Violations();
        String key = v.capture(() -> Robots.parseName(request.getParent(), "parent"));
        Integer pageSize = v.capture(() -> PageSizes.of(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
        Instant start = request.hasStartTime() ? time(request.getStartTime(), "start_time", v) : null;
        Instant end = request.hasEndTime() ? time(request.getEndTime(), "end_time", v) : null;
        if (start != null && end != null) {
            v.check(start.isBefore(end), "end_time", "must be after start_time");
        }
        String order = request.getOrderBy().strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        v.check(order.isEmpty() || order.equals("time") || order.equals("time asc") || order.equals("time desc"), "order_by",
                "must be \"time\" or \"time desc\"");
        TreeSet<String> kinds = new TreeSet<>();
        for (RobotLogKind kind : request.getKindsList()) {
            if (kind == RobotLogKind.UNRECOGNIZED) {
                v.add("kinds", "contains an unknown kind");
            } else if (kind != RobotLogKind.ROBOT_LOG_KIND_UNSPECIFIED) {
                kinds.add(kind.name().substring("ROBOT_LOG_KIND_".length()));
            }
        }
        v.throwIfAny();
        if (kinds.isEmpty()) {
            kinds.addAll(List.of("TELEMETRY", "EVENT", "CONNECTION", "COMMAND"));
        }
        boolean descending = order.equals("time desc");
        String query = "ListRobotLogs:" + key + ':' + request.getStartTime() + ':' + request.getEndTime() + ':' + kinds + ':'
                + descending;
        // Position: resolved end (an unset end_time means "now" when the first page was read), then the last entry.
        // The range is [start, end): without an end, entries stamped "now" itself (same clock reading) belong in it.
        Instant resolvedEnd = end != null ? end : clock.instant().plus(java.time.Duration.ofNanos(1_000));
        Instant afterTime = null;
        long afterSeq = 0;
        String afterCid = "";
        if (!request.getPageToken().isEmpty()) {
            ByteBuffer position = pageTokens.decode(request.getPageToken(), query);
            if (position.remaining() < 24) {
                throw ApiException.invalid("page_token", "is not a token issued by this server");
            }
            resolvedEnd = micros(position.getLong());
            afterTime = micros(position.getLong());
            afterSeq = position.getLong();
            byte[] cid = new byte[position.remaining()];
            position.get(cid);
            afterCid = new String(cid, StandardCharsets.UTF_8);
        }
        Instant from = start != null ? start : resolvedEnd.minus(DEFAULT_RANGE);
        Instant to = resolvedEnd;
        String sql = UNION + (afterTime != null ? "WHERE (t, seq, cid) " + (descending ? "<" : ">") + " (?, ?, ?) " : "")
                + "ORDER BY t " + (descending ? "DESC" : "") + ", seq " + (descending ? "DESC" : "") + ", cid "
                + (descending ? "DESC" : "") + " LIMIT ?";
        Instant fromTime = afterTime;
        long fromSeq = afterSeq;
        String fromCid = afterCid;
        List<RobotLog> entries = new ArrayList<>();
        List<Object[]> keys = new ArrayList<>();
        db.read(connection -> {
            UUID robotId;
            try (PreparedStatement ps = Db.prepare(connection, "SELECT id FROM robots WHERE robot_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound(request.getParent());
                    }
                    robotId = rs.getObject(1, UUID.class);
                }
            }
            try (PreparedStatement ps = Db.prepare(connection, sql)) {
                int i = 1;
                for (int part = 0; part < 2; part++) {
                    ps.setObject(i++, robotId);
                    ps.setTimestamp(i++, Timestamp.from(from));
                    ps.setTimestamp(i++, Timestamp.from(to));
                    ps.setArray(i++, connection.createArrayOf("text", kinds.toArray()));
                }
                if (fromTime != null) {
                    ps.setTimestamp(i++, Timestamp.from(fromTime));
                    ps.setLong(i++, fromSeq);
                    ps.setString(i++, fromCid);
                }
                ps.setInt(i, pageSize + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant t = rs.getTimestamp("t").toInstant();
                        entries.add(entry(rs, key, t));
                        keys.add(new Object[] {t, rs.getLong("seq"), rs.getString("cid")});
                    }
                }
            }
            return null;
        });
        ListRobotLogsResponse.Builder response = ListRobotLogsResponse.newBuilder();
        response.addAllRobotLogs(entries.subList(0, Math.min(entries.size(), pageSize)));
        if (entries.size() > pageSize) {
            Object[] last = keys.get(pageSize - 1);
            byte[] cid = ((String) last[2]).getBytes(StandardCharsets.UTF_8);
            response.setNextPageToken(pageTokens.encode(query, ByteBuffer.allocate(24 + cid.length)
                    .putLong(micros(resolvedEnd)).putLong(micros((Instant) last[0])).putLong((Long) last[1]).put(cid).array()));
        }
        return response.build();
    }

    private static RobotLog entry(ResultSet rs, String robotKey, Instant time) throws SQLException {
        String kind = rs.getString("kind");
        byte[] message = rs.getBytes("message");
        RobotLog.Builder b = RobotLog.newBuilder()
                .setKind(RobotLogKind.valueOf("ROBOT_LOG_KIND_" + kind))
                .setTime(ProtoTime.timestamp(time))
                .setReceiveTime(ProtoTime.timestamp(rs.getTimestamp("received").toInstant()))
                .setSequence(rs.getLong("seq"));
        String logId = kind.equals("COMMAND") ? "c" + rs.getString("cid") : "s" + rs.getLong("seq");
        b.setName(Robots.name(robotKey) + "/logs/" + logId);
        try {
            switch (kind) {
                case "TELEMETRY" -> {
                    if (message != null) {
                        b.setTelemetry(Telemetry.parseFrom(message));
                    }
                }
                case "EVENT" -> {
                    if (message != null) {
                        b.setEvent(RobotEvent.parseFrom(message));
                    }
                }
                case "CONNECTION" -> {
                    if (message != null) {
                        b.setConnection(ConnectionChange.parseFrom(message));
                    }
                }
                default -> {
                    if (message != null) {
                        b.setCommand(RobotCommand.parseFrom(message));
                    } else {
                        RobotCommand.Builder command = RobotCommand.newBuilder().setCommandId(rs.getString("cid"))
                                .setRobotId(robotKey).setType(CommandType.valueOf("COMMAND_TYPE_" + rs.getString("cmd_kind")))
                                .setIssueTime(ProtoTime.timestamp(time))
                                .setExpireTime(ProtoTime.timestamp(rs.getTimestamp("expires_at").toInstant()));
                        UUID reservation = rs.getObject("reservation_id", UUID.class);
                        if (reservation != null) {
                            command.setReservation(ResourceNames.name(ResourceNames.RESERVATIONS, reservation));
                        }
                        b.setCommand(command);
                    }
                }
            }
        } catch (InvalidProtocolBufferException e) {
            // Stored by this server; unreadable only if corrupted. The entry keeps its kind and times.
        }
        return b.build();
    }

    private static Instant time(com.google.protobuf.Timestamp timestamp, String field, Violations v) {
        if (timestamp.getSeconds() < 0 || timestamp.getSeconds() > 253_402_300_799L
                || timestamp.getNanos() < 0 || timestamp.getNanos() > 999_999_999) {
            v.add(field, "must be a valid timestamp from 1970 on");
            return null;
        }
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
    }
}
