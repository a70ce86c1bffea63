package io.chargebot.sdk;

/**
 * Too many requests from this caller or for this target, e.g. verification codes sent to one phone
 * (reason {@code RATE_LIMITED}). Wait {@link #retryDelayMillis()} before trying again; the server
 * normally says how long ({@link #hasRetryDelay()}).
 */
public class RateLimitedException extends ResourceExhaustedException {

    private static final long serialVersionUID = 1L;

    RateLimitedException(ErrorDetails details) {
        super(details);
    }
}
