package io.chargebot.server.messaging;

import static java.util.Objects.requireNonNull;

/**
 * A message could not be handed to the provider: it refused it, or could not be reached in time.
 * The message is safe to log: it never holds a credential, a full phone number or a message body.
 */
public final class MessageSendException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /** A failure that may be temporary ({@link #retryable()} is true). */
    public MessageSendException(String message) {
        this(message, true);
    }

    public MessageSendException(String message, boolean retryable) {
        super(requireNonNull(message, "message"));
        this.retryable = retryable;
    }

    public MessageSendException(String message, boolean retryable, Throwable cause) {
        super(requireNonNull(message, "message"), cause);
        this.retryable = retryable;
    }

    /**
     * Whether sending again later may succeed (the provider was unreachable, too slow, overloaded or
     * failed internally), as opposed to a refusal that will repeat (bad credentials, a rejected
     * number or address).
     */
    public boolean retryable() {
        return retryable;
    }
}
