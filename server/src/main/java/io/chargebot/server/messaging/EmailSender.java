package io.chargebot.server.messaging;

/**
 * Sends e-mail. Exactly one implementation is in the context, chosen by
 * {@code chargebot.email.provider} ({@code CHARGEBOT_EMAIL_PROVIDER}): {@code smtp} or
 * {@code local} (records the message in {@code dev_outbox_messages} and the log; refused in
 * production). Calls block until the server answered; don't call from an event loop.
 */
public interface EmailSender {

    /**
     * Sends a plain-text (UTF-8) e-mail. Throws MessageSendException if the server refused or was
     * unreachable.
     *
     * @param to       one address, e.g. {@code driver@example.com}
     * @param subject  the subject line (line breaks become spaces)
     * @param textBody the plain-text body
     * @throws IllegalArgumentException if {@code to} is not a valid e-mail address
     */
    void send(String to, String subject, String textBody) throws MessageSendException;
}
