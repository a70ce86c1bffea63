package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import io.chargebot.auth.v1.VerificationChannel;
import io.chargebot.auth.v1.VerificationPurpose;

/**
 * What {@link AuthClient#verifyCode} returns: a short-lived, single-use proof that the user controls
 * a phone number or e-mail address, bound to one {@linkplain #purpose() purpose} and
 * {@linkplain #target() target}. Pass it to {@code signUp}, {@code findLoginId},
 * {@code resetPassword} or {@link UserClient#changePhone(VerificationProof)}.
 * {@link #toString()} never shows the proof itself.
 */
public final class VerificationProof {

    private final String proof;
    private final VerificationChannel channel;
    private final VerificationPurpose purpose;
    private final String target;
    private final long expireTimeMillis;

    /**
     * @param proof the opaque proof from {@code VerifyCode}
     * @param channel the channel the code was sent by
     * @param purpose the purpose the code was sent for
     * @param target the phone number or e-mail address, as given to {@code VerifyCode}
     * @param expireTimeMillis when the proof expires, epoch milliseconds; {@code 0} if unknown
     */
    public VerificationProof(String proof, VerificationChannel channel, VerificationPurpose purpose, String target,
                             long expireTimeMillis) {
        this.proof = requireNonNull(proof, "proof");
        this.channel = requireNonNull(channel, "channel");
        this.purpose = requireNonNull(purpose, "purpose");
        this.target = requireNonNull(target, "target");
        this.expireTimeMillis = expireTimeMillis;
    }

    /** The opaque proof, as the server's {@code *_verification_proof} fields take it. */
    public String proof() {
        return proof;
    }

    /** The channel the code was sent by. */
    public VerificationChannel channel() {
        return channel;
    }

    /** What the proof may be used for. */
    public VerificationPurpose purpose() {
        return purpose;
    }

    /** The phone number or e-mail address that was verified, as given to {@code verifyCode}. */
    public String target() {
        return target;
    }

    /** When the proof expires (server time), epoch milliseconds; {@code 0} if unknown. */
    public long expireTimeMillis() {
        return expireTimeMillis;
    }

    @Override
    public String toString() {
        return "VerificationProof{" + channel + ", " + purpose + ", expireTimeMillis=" + expireTimeMillis + '}';
    }
}
