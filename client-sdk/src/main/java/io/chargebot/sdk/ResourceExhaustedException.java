package io.chargebot.sdk;

/** A quota or limit was reached ({@code RESOURCE_EXHAUSTED}); wait {@link #retryDelayMillis()} when {@link #hasRetryDelay()}. */
public class ResourceExhaustedException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    ResourceExhaustedException(ErrorDetails details) {
        super(details);
    }
}
