package io.chargebot.sdk;

/** The call did not finish before its deadline ({@code DEADLINE_EXCEEDED}); a write may still have happened. */
public class DeadlineExceededException extends ChargeBotException {

    private static final long serialVersionUID = 1L;

    DeadlineExceededException(ErrorDetails details) {
        super(details);
    }
}
