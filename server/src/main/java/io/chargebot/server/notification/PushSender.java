package io.chargebot.server.notification;

import java.util.List;
import java.util.Map;

/**
 * The push port: sends notifications to FCM registration tokens and says, per message, what
 * happened. Implementations: {@link FirebasePushSender} (FCM HTTP v1 through firebase-admin) and
 * {@link LocalPushSender} (development: records instead of sending).
 */
public interface PushSender extends AutoCloseable {

    /**
     * One push to one device.
     *
     * @param notificationId the outbox row id; also in {@code data} as {@code notification_id} and
     *                       used as the Android notification tag, so a rare second delivery of the
     *                       same notification replaces the first on the device instead of showing twice
     */
    record Message(String notificationId, String token, String title, String body, Map<String, String> data) {}

    /** What became of one message. */
    enum Outcome {
        /** FCM accepted it. */
        DELIVERED,
        /** The token is no longer valid (UNREGISTERED, SENDER_ID_MISMATCH): remove the device. */
        TOKEN_INVALID,
        /** Worth retrying later (QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL, network errors). */
        RETRY,
        /** Will never succeed as it is (INVALID_ARGUMENT, THIRD_PARTY_AUTH_ERROR, ...). */
        FAILED
    }

    /**
     * @param reason the provider's error code (e.g. {@code UNREGISTERED}), for logs and the outbox's last_error; empty when delivered
     * @param messageId FCM's message id when delivered
     */
    record Result(Outcome outcome, String reason, String messageId) {

        public static Result delivered(String messageId) {
            return new Result(Outcome.DELIVERED, "", messageId);
        }
    }

    /** Sends {@code messages} (possibly concurrently) and returns one result per message, in order; never throws for a provider error. */
    List<Result> send(List<Message> messages);

    /** A token as logs show it: never whole, only its last 6 characters. */
    static String mask(String token) {
        return token.length() <= 6 ? "…" : "…" + token.substring(token.length() - 6);
    }

    /** What the logs call this adapter, e.g. "FCM project chargebot-prod". */
    String describe();

    /** Releases the adapter's resources (threads, connections). */
    @Override
    default void close() {}
}
