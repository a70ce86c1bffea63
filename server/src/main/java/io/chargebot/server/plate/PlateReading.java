package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a recogniser read in a photo.
 *
 * @param plate      the best reading as the recogniser gave it (e.g. {@code "12가 3456"}); empty when no
 *                   plate was found
 * @param confidence the recogniser's confidence in {@code plate}, 0..1; 0 when it gives none or found no plate
 * @param candidates other readings, most likely first; empty when no plate was found
 * @param provider   which recogniser answered: {@code "openai"}, {@code "http"} or {@code "local"}
 */
public record PlateReading(String plate, double confidence, List<Candidate> candidates, String provider) {

    /** Another possible reading; {@code plate} is never empty. */
    public record Candidate(String plate, double confidence) {
        public Candidate {
            requireNonNull(plate, "plate");
            if (plate.isEmpty()) {
                throw new IllegalArgumentException("plate: empty (expected: a reading)");
            }
            checkConfidence(confidence);
        }
    }

    public PlateReading {
        requireNonNull(plate, "plate");
        requireNonNull(provider, "provider");
        checkConfidence(confidence);
        candidates = List.copyOf(candidates);
        if (plate.isEmpty() && (confidence != 0 || !candidates.isEmpty())) {
            throw new IllegalArgumentException("no plate found: confidence and candidates must be empty");
        }
    }

    /** No plate found in the photo: not an error. */
    public static PlateReading none(String provider) {
        return new PlateReading("", 0, List.of(), provider);
    }

    /** Whether a plate was found. */
    public boolean found() {
        return !plate.isEmpty();
    }

    private static void checkConfidence(double confidence) {
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("confidence: " + confidence + " (expected: 0..1)");
        }
    }
}
