package io.chargebot.server.license;

import static java.util.Objects.requireNonNull;

/**
 * A verifier's answer about one licence, in seed 002's shape.
 *
 * @param resultCode the verifier's code, e.g. {@code "00"}
 * @param result     the verifier's result in its words, e.g. {@code "정상"}; may be empty
 * @param meaning    the verifier's explanation, e.g. {@code "이상없음"}; may be empty
 * @param valid      true only when {@code resultCode} is {@code "00"}
 * @param provider   which adapter answered: {@code "http"} or {@code "local"}
 */
public record LicenseCheck(String resultCode, String result, String meaning, boolean valid, String provider) {

    /** The result code of a valid licence. */
    public static final String VALID_CODE = "00";

    public LicenseCheck {
        requireNonNull(resultCode, "resultCode");
        requireNonNull(result, "result");
        requireNonNull(meaning, "meaning");
        requireNonNull(provider, "provider");
        if (valid != VALID_CODE.equals(resultCode)) {
            throw new IllegalArgumentException("valid: " + valid + " (expected: true exactly when resultCode is \"00\")");
        }
    }

    /** An answer whose validity follows from its code. */
    public static LicenseCheck of(String resultCode, String result, String meaning, String provider) {
        return new LicenseCheck(resultCode, result, meaning, VALID_CODE.equals(resultCode), provider);
    }
}
