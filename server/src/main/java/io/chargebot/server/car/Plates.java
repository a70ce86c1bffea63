package io.chargebot.server.car;

import io.chargebot.server.error.ApiException;
import java.text.Normalizer;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Korean registration plates: the one place that decides what a plate is and what its canonical
 * form is. Uniqueness of cars, the per-car reservation rule, plate verification and camera
 * matching all compare the canonical form.
 *
 * <p>Accepted: {@code 12가3456} (pre-2019), {@code 123가4567} (2019 and later), and the regional
 * form {@code 서울12가3456}; with spaces, dashes, dots or middle dots anywhere, full-width
 * digits, and decomposed Hangul. The canonical form has none of those: {@code 서울12가3456}.
 * The letter must be one issued for civilian plates (private, commercial, rental, delivery);
 * military and diplomatic plates are not accepted.
 */
public final class Plates {

    /** The provinces and metropolitan cities printed on regional plates. */
    static final Set<String> REGIONS = Set.of(
            "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종",
            "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주");

    /** Letters issued for civilian use: private, commercial (아바사자), delivery (배) and rental (하허호). */
    static final String LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호";

    private static final Pattern FORM = Pattern.compile(
            "(?<region>[가-힣]{2})?(?<digits>[0-9]{2,3})(?<letter>[가-힣])(?<serial>[0-9]{4})");

    /** Longest raw input looked at; real plates are under 20 characters even with spacing. */
    public static final int MAX_RAW_LENGTH = 32;

    private Plates() {}

    /** The canonical plate, or empty when {@code raw} is not a Korean plate. */
    public static Optional<String> tryNormalize(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > MAX_RAW_LENGTH) {
            return Optional.empty();
        }
        // NFKC folds full-width digits to ASCII and composes decomposed Hangul (NFC alone would not fold digits).
        String folded = Normalizer.normalize(raw, Normalizer.Form.NFKC);
        StringBuilder compact = new StringBuilder(folded.length());
        for (int i = 0; i < folded.length(); i++) {
            char c = folded.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '-' || c == '.' || c == '·'
                    || c == '\u2010' || c == '\u2011' || c == '\u2012' || c == '\u2013' || c == '\u2014' || c == '\u2212') {
                continue;
            }
            compact.append(c);
        }
        Matcher m = FORM.matcher(compact);
        if (!m.matches()) {
            return Optional.empty();
        }
        String region = m.group("region");
        String digits = m.group("digits");
        if (region != null && (!REGIONS.contains(region) || digits.length() != 2)) {
            return Optional.empty();
        }
        if (LETTERS.indexOf(m.group("letter").charAt(0)) < 0) {
            return Optional.empty();
        }
        return Optional.of(compact.toString());
    }

    /** The canonical plate, or INVALID_ARGUMENT naming {@code field} with the accepted forms. */
    public static String normalize(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            throw ApiException.invalid(field, "is required (e.g. 12가3456, 123가4567 or 서울12가3456)");
        }
        return tryNormalize(raw).orElseThrow(() -> ApiException.invalid(field,
                "is not a Korean registration plate (accepted: 12가3456, 123가4567, 서울12가3456; spaces and dashes allowed)"));
    }
}
