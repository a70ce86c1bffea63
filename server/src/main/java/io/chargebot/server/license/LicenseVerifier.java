package io.chargebot.server.license;

/**
 * Port to an external driver's-licence verifier (seed 002): given the holder's birth date and name,
 * the licence number and the serial printed on the card, the verifier answers with a result code
 * ({@code "00"} for a valid licence) and its words for it. Chosen by {@code chargebot.license.provider}:
 * {@link HttpLicenseVerifier} ({@code http}) or {@link LocalLicenseVerifier} ({@code local}, development only).
 */
public interface LicenseVerifier {

    /**
     * Asks the verifier about a licence. A licence the verifier does not accept is a normal answer
     * ({@link LicenseCheck#valid()} false), not an exception. Never logs the raw number, birth date
     * or serial.
     *
     * @throws io.chargebot.server.error.ApiException UNAVAILABLE / PROVIDER_UNAVAILABLE if the
     *         provider is unreachable, too slow or answers garbage; DEADLINE_EXCEEDED if the caller's
     *         gRPC deadline passes first
     */
    LicenseCheck verify(LicenseQuery query);
}
