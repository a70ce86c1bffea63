package io.chargebot.server.plate;

import com.fasterxml.jackson.databind.JsonNode;
import io.chargebot.server.car.Plates;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the answer shape both real recognisers share:
 *
 * <pre>
 * {"plate": "12가 3456", "confidence": 0.93, "candidates": [{"plate": "12가 3458", "confidence": 0.41}, ...]}
 * </pre>
 *
 * <ul>
 *   <li>{@code plate}: a string; missing, {@code null}, empty, or longer than a plate can be
 *       ({@value Plates#MAX_RAW_LENGTH} characters, e.g. a sentence) means no plate was found;
 *       control characters and surrounding spaces are removed, nothing else is changed;</li>
 *   <li>{@code confidence}: a number in 0..1; missing, {@code null}, not a number or out of range
 *       counts as "not given", i.e. 0;</li>
 *   <li>{@code candidates}: optional; an array of such objects or of plain strings (confidence 0);
 *       unusable entries are skipped; ordered by confidence, highest first;</li>
 *   <li>any other member (e.g. seed 003's {@code "raw"}) is ignored.</li>
 * </ul>
 *
 * With no plate found, candidates are dropped too. Anything but a JSON object, or a {@code plate}
 * that is not a string, is not this shape.
 */
final class PlateAnswers {

    /** Readings kept from one answer before the service trims them to what the API returns. */
    static final int MAX_CANDIDATES = 20;

    private PlateAnswers() {}

    /**
     * The reading in {@code answer}.
     *
     * @throws IllegalArgumentException if {@code answer} is not this shape
     */
    static PlateReading parse(JsonNode answer, String provider) {
        if (answer == null || !answer.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode plateNode = answer.get("plate");
        if (plateNode != null && !plateNode.isNull() && !plateNode.isTextual()) {
            throw new IllegalArgumentException("\"plate\" is not a string");
        }
        String plate = plateNode == null || plateNode.isNull() ? "" : clean(plateNode.asText());
        if (plate.isEmpty()) {
            return PlateReading.none(provider);
        }
        List<PlateReading.Candidate> candidates = new ArrayList<>();
        JsonNode list = answer.get("candidates");
        if (list != null && list.isArray()) {
            for (JsonNode entry : list) {
                if (candidates.size() == MAX_CANDIDATES) {
                    break;
                }
                String text = "";
                double confidence = 0;
                if (entry.isTextual()) {
                    text = clean(entry.asText());
                } else if (entry.isObject() && entry.path("plate").isTextual()) {
                    text = clean(entry.get("plate").asText());
                    confidence = confidence(entry.get("confidence"));
                }
                if (!text.isEmpty()) {
                    candidates.add(new PlateReading.Candidate(text, confidence));
                }
            }
        }
        candidates.sort(Comparator.comparingDouble(PlateReading.Candidate::confidence).reversed());
        return new PlateReading(plate, confidence(answer.get("confidence")), candidates, provider);
    }

    /** A number in 0..1, else 0 ("not given"). */
    static double confidence(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return 0;
        }
        double value = node.asDouble();
        return value >= 0 && value <= 1 ? value : 0;
    }

    /** The reading without control characters and surrounding space; empty when it is too long for a plate. */
    static String clean(String text) {
        StringBuilder kept = new StringBuilder(Math.min(text.length(), 64));
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isISOControl(c)) {
                kept.append(c);
            }
            if (kept.length() > 4 * Plates.MAX_RAW_LENGTH) {
                return "";
            }
        }
        String value = kept.toString().strip();
        return value.codePointCount(0, value.length()) > Plates.MAX_RAW_LENGTH ? "" : value;
    }
}
