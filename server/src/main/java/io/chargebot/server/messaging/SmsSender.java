package io.chargebot.server.messaging;

/**
 * Sends text messages to mobile phones. Exactly one implementation is in the context, chosen by
 * {@code chargebot.sms.provider} ({@code CHARGEBOT_SMS_PROVIDER}): {@code sens} (Naver Cloud SENS)
 * or {@code local} (records the message in {@code dev_outbox_messages} and the log; refused in
 * production). Calls block until the provider answered; don't call from an event loop.
 */
public interface SmsSender {

    /**
     * Sends a text message to a Korean mobile number in E.164 form (+8210...). Throws
     * MessageSendException if the provider refused or was unreachable.
     *
     * @param e164Phone a Korean mobile number such as {@code +821012345678}
     * @param text      the message; at most 2000 bytes counting Korean characters as 2
     * @throws IllegalArgumentException if the number is not a Korean mobile number in E.164 form, or
     *                                  the text is blank or too long
     */
    void send(String e164Phone, String text) throws MessageSendException;
}
