package io.chargebot.server.plate;

/**
 * Port to a licence-plate recogniser (seed 003 §4): a photo in, the plate read from it out. Chosen by
 * {@code chargebot.plate.recognizer} ({@code CHARGEBOT_PLATE_RECOGNIZER}): {@link OpenAiPlateRecognizer}
 * ({@code openai}), {@link HttpPlateRecognizer} ({@code http}) or {@link LocalDevelopmentPlateRecognizer}
 * ({@code local}, the default; development only).
 */
public interface PlateRecognizer {

    /**
     * Reads the plate in {@code image}. A photo without a readable plate is a normal answer
     * ({@link PlateReading#none(String)}), not an exception. Never logs the image or a credential.
     *
     * @throws io.chargebot.server.error.ApiException UNAVAILABLE / PROVIDER_UNAVAILABLE when the
     *         recogniser is unreachable, misconfigured, too slow or answers garbage; RESOURCE_EXHAUSTED /
     *         RATE_LIMITED when it (or this server) is at its limit; DEADLINE_EXCEEDED when the caller's
     *         gRPC deadline passes first
     */
    PlateReading recognize(PlateImage image);
}
