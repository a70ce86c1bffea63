package io.chargebot.server.notification;

import io.chargebot.user.v1.NotificationType;
import java.util.EnumMap;
import java.util.Map;

/**
 * The message catalogue: title and body of every notification type in Korean and English. Templates
 * name their values in braces, filled by PostgreSQL's {@code notification_render} when the outbox row
 * is written: {@code {name}} (the account's display name), {@code {plate}} (a car's plate),
 * {@code {lot}}, {@code {spot}}, {@code {start}}, {@code {end}} (a reservation's lot, spot code and
 * window in the lot's time zone), {@code {reason}} and {@code {kwh}}.
 */
public final class NotificationCatalog {

    /** Title and body in one language. */
    public record Text(String title, String body) {}

    private record Entry(Text ko, Text en) {}

    private static final Map<NotificationType, Entry> ENTRIES = new EnumMap<>(NotificationType.class);

    static {
        put(NotificationType.NOTIFICATION_TYPE_ACCOUNT_CREATED,
                "ChargeBot 가입을 환영합니다", "{name}님, 계정이 만들어졌습니다. 차량을 등록하고 충전을 예약해 보세요.",
                "Welcome to ChargeBot", "{name}, your account is ready. Add your car and book a charge.");
        put(NotificationType.NOTIFICATION_TYPE_ACCOUNT_UPDATED,
                "계정 정보가 변경되었습니다", "프로필이 변경되었습니다. 본인이 변경하지 않았다면 고객센터로 알려 주세요.",
                "Your profile was changed", "Your profile was updated. If this was not you, please contact support.");
        put(NotificationType.NOTIFICATION_TYPE_ACCOUNT_DELETED,
                "계정이 삭제되었습니다", "ChargeBot 계정이 삭제되었습니다. 그동안 이용해 주셔서 감사합니다.",
                "Your account was deleted", "Your ChargeBot account has been deleted. Thank you for using ChargeBot.");
        put(NotificationType.NOTIFICATION_TYPE_PASSWORD_CHANGED,
                "비밀번호가 변경되었습니다", "계정 비밀번호가 변경되었습니다. 본인이 변경하지 않았다면 즉시 비밀번호를 재설정해 주세요.",
                "Your password was changed", "Your password was changed. If this was not you, reset your password now.");
        put(NotificationType.NOTIFICATION_TYPE_CAR_ADDED,
                "차량이 등록되었습니다", "{plate} 차량이 등록되었습니다.",
                "Car added", "Your car {plate} was added.");
        put(NotificationType.NOTIFICATION_TYPE_CAR_UPDATED,
                "차량 정보가 변경되었습니다", "{plate} 차량 정보가 변경되었습니다.",
                "Car updated", "The details of your car {plate} were changed.");
        put(NotificationType.NOTIFICATION_TYPE_CAR_REMOVED,
                "차량이 삭제되었습니다", "{plate} 차량이 삭제되었습니다.",
                "Car removed", "Your car {plate} was removed.");
        put(NotificationType.NOTIFICATION_TYPE_RESERVATION_CREATED,
                "충전 예약이 확정되었습니다", "{lot} {spot}, {start}~{end} 충전 예약이 확정되었습니다.",
                "Charging booked", "Your charge at {lot}, spot {spot}, {start}-{end} is confirmed.");
        put(NotificationType.NOTIFICATION_TYPE_RESERVATION_CANCELLED,
                "예약이 취소되었습니다", "{lot} {start}~{end} 충전 예약이 취소되었습니다.",
                "Booking cancelled", "Your charge at {lot}, {start}-{end} was cancelled.");
        put(NotificationType.NOTIFICATION_TYPE_RESERVATION_FORCE_CANCELLED,
                "관리자가 예약을 취소했습니다", "{lot} {start}~{end} 충전 예약이 관리자에 의해 취소되었습니다. 사유: {reason}",
                "Booking cancelled by ChargeBot", "Your charge at {lot}, {start}-{end} was cancelled by an operator. Reason: {reason}");
        put(NotificationType.NOTIFICATION_TYPE_ROBOT_DISPATCHED,
                "충전 로봇이 출발했습니다", "충전 로봇이 {lot} {spot} 자리로 이동하고 있습니다.",
                "Your charging robot is on its way", "A charging robot is heading to {lot}, spot {spot}.");
        put(NotificationType.NOTIFICATION_TYPE_CHARGING_STARTED,
                "충전을 시작했습니다", "{lot} {spot}에서 충전을 시작했습니다. 종료 예정 {end}.",
                "Charging started", "Charging started at {lot}, spot {spot}. Scheduled to end at {end}.");
        put(NotificationType.NOTIFICATION_TYPE_CHARGING_FINISHED,
                "충전이 완료되었습니다", "{lot} {spot} 충전이 완료되었습니다 ({kwh} kWh).",
                "Charging finished", "Charging at {lot}, spot {spot} is complete ({kwh} kWh).");
        put(NotificationType.NOTIFICATION_TYPE_CHARGING_FAILED,
                "충전하지 못했습니다", "{lot} {spot} 충전 중 문제가 발생했습니다: {reason}",
                "Charging failed", "Something went wrong charging at {lot}, spot {spot}: {reason}");
        put(NotificationType.NOTIFICATION_TYPE_RESERVATION_REMINDER,
                "곧 충전 예약 시간입니다", "{lot} {spot} 충전 예약이 {start}에 시작됩니다.",
                "Your charge starts soon", "Your charge at {lot}, spot {spot} starts at {start}.");
        put(NotificationType.NOTIFICATION_TYPE_RESERVATION_NO_SHOW,
                "예약 시간이 지났습니다", "{lot} {start}~{end} 예약 시간 동안 차량이 도착하지 않아 예약이 종료되었습니다.",
                "Missed booking", "Your car did not arrive during your booking at {lot}, {start}-{end}; the booking has ended.");
        for (NotificationType type : NotificationType.values()) {
            if (type != NotificationType.NOTIFICATION_TYPE_UNSPECIFIED && type != NotificationType.UNRECOGNIZED
                    && !ENTRIES.containsKey(type)) {
                throw new IllegalStateException("no catalogue entry for " + type);
            }
        }
    }

    private NotificationCatalog() {}

    private static void put(NotificationType type, String koTitle, String koBody, String enTitle, String enBody) {
        ENTRIES.put(type, new Entry(new Text(koTitle, koBody), new Text(enTitle, enBody)));
    }

    /** The templates of {@code type} in {@code language} ("en"; anything else is Korean, the default). */
    public static Text text(NotificationType type, String language) {
        Entry entry = ENTRIES.get(type);
        if (entry == null) {
            throw new IllegalArgumentException("type: " + type + " (expected: a notification type)");
        }
        return "en".equals(language) ? entry.en() : entry.ko();
    }

    /** The stored name of a type, e.g. {@code CAR_ADDED}. */
    public static String stored(NotificationType type) {
        return type.name().substring("NOTIFICATION_TYPE_".length());
    }
}
