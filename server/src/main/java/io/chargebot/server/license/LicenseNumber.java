package io.chargebot.server.license;

import java.util.Map;

/**
 * A Korean driver's-licence number: 12 digits written {@code RR-YY-NNNNNN-CC}, where {@code RR} is
 * the issuing region (11..28), {@code YY} the year of first issue, {@code NNNNNN} a serial and
 * {@code CC} the check/reissue digits.
 *
 * <p>{@link #parse(String)} accepts the digits with or without dashes or spaces between the groups
 * ({@code "11-23-123456-01"}, {@code "112312345601"}, {@code "11 23 123456 01"}), and older licences
 * that print the region as a name ({@code "서울 23-123456-01"}, {@code "경기북부 23-123456-01"}), which
 * it maps to the region's code. Separators may only fall between groups.
 *
 * <p>The number is personal data: {@link #toString()} is {@link #masked()}; only {@link #digits()}
 * reveals it, for the verifier.
 */
public final class LicenseNumber {

    private static final int MIN_REGION = 11;
    private static final int MAX_REGION = 28;
    private static final int MAX_INPUT = 40;

    /** Region names printed on licences issued before numeric region codes, and their codes. */
    private static final Map<String, String> REGION_CODES = Map.ofEntries(
            Map.entry("서울", "11"),
            Map.entry("부산", "12"),
            Map.entry("경기", "13"),
            Map.entry("경기남부", "13"),
            Map.entry("강원", "14"),
            Map.entry("충북", "15"),
            Map.entry("충남", "16"),
            Map.entry("전북", "17"),
            Map.entry("전남", "18"),
            Map.entry("경북", "19"),
            Map.entry("경남", "20"),
            Map.entry("제주", "21"),
            Map.entry("대구", "22"),
            Map.entry("인천", "23"),
            Map.entry("광주", "24"),
            Map.entry("대전", "25"),
            Map.entry("울산", "26"),
            Map.entry("경기북부", "28"));

    private static final String EXPECTED = "expected 12 digits such as 11-23-123456-01, or a region name and "
            + "10 digits such as 서울 23-123456-01";

    private final String digits;

    private LicenseNumber(String digits) {
        this.digits = digits;
    }

    /**
     * Parses a licence number typed by a person.
     *
     * @throws IllegalArgumentException if it is not a licence number; the message never repeats the input
     */
    public static LicenseNumber parse(String raw) {
        if (raw == null) {
            throw new IllegalArgumentException("licenseNumber: missing (" + EXPECTED + ")");
        }
        String text = raw.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("licenseNumber: missing (" + EXPECTED + ")");
        }
        if (text.length() > MAX_INPUT) {
            throw new IllegalArgumentException("licenseNumber: too long (" + EXPECTED + ")");
        }
        int nameEnd = 0;
        while (nameEnd < text.length() && isHangulSyllable(text.charAt(nameEnd))) {
            nameEnd++;
        }
        String region;
        String rest;
        int[] boundaries;
        if (nameEnd > 0) {
            region = REGION_CODES.get(text.substring(0, nameEnd));
            if (region == null) {
                throw new IllegalArgumentException("licenseNumber: unknown region name (expected one of "
                        + "서울, 부산, 경기, 경기남부, 경기북부, 강원, 충북, 충남, 전북, 전남, 경북, 경남, 제주, 대구, 인천, 광주, "
                        + "대전, 울산, or a 2-digit region code)");
            }
            rest = text.substring(nameEnd);
            // After a region name: YY-NNNNNN-CC.
            boundaries = new int[] {0, 2, 8};
        } else {
            region = "";
            rest = text;
            boundaries = new int[] {2, 4, 10};
        }
        String number = region + digitsBetweenSeparators(rest, boundaries);
        int regionCode = Integer.parseInt(number.substring(0, 2));
        if (regionCode < MIN_REGION || regionCode > MAX_REGION) {
            throw new IllegalArgumentException("licenseNumber: the first two digits must be a region code "
                    + MIN_REGION + ".." + MAX_REGION);
        }
        return new LicenseNumber(number);
    }

    /**
     * The digits of {@code text}: 12 of them (10 after a region name, when {@code boundaries} starts
     * at 0), with runs of separators only before the digit positions in {@code boundaries}.
     */
    private static String digitsBetweenSeparators(String text, int[] boundaries) {
        int expected = boundaries[0] == 0 ? 10 : 12;
        StringBuilder digits = new StringBuilder(12);
        boolean inSeparator = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (inSeparator && !allowedBoundary(digits.length(), boundaries)) {
                    throw new IllegalArgumentException("licenseNumber: dashes or spaces in the wrong place (" + EXPECTED + ")");
                }
                inSeparator = false;
                digits.append(c);
                if (digits.length() > expected) {
                    throw new IllegalArgumentException("licenseNumber: too many digits (" + EXPECTED + ")");
                }
            } else if (isSeparator(c)) {
                inSeparator = true;
            } else {
                throw new IllegalArgumentException("licenseNumber: only digits, dashes and spaces are allowed ("
                        + EXPECTED + ")");
            }
        }
        if (digits.length() != expected) {
            throw new IllegalArgumentException("licenseNumber: too few digits (" + EXPECTED + ")");
        }
        if (inSeparator) {
            throw new IllegalArgumentException("licenseNumber: dashes or spaces in the wrong place (" + EXPECTED + ")");
        }
        return digits.toString();
    }

    private static boolean allowedBoundary(int position, int[] boundaries) {
        for (int boundary : boundaries) {
            if (position == boundary) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSeparator(char c) {
        // ASCII and typographic dashes, the minus sign, the full-width hyphen, and spaces.
        return c == '-' || c == ' ' || c == '\u00a0' || c == '\u3000' || (c >= '\u2010' && c <= '\u2015')
                || c == '\u2212' || c == '\uff0d';
    }

    private static boolean isHangulSyllable(char c) {
        return c >= '\uac00' && c <= '\ud7a3';
    }

    /** The 12 digits, e.g. {@code "112312345601"}. Personal data: send to the verifier, never log. */
    public String digits() {
        return digits;
    }

    /** The 2-digit region code, e.g. {@code "11"} for Seoul. */
    public String regionCode() {
        return digits.substring(0, 2);
    }

    /** The number with its middle six digits hidden, e.g. {@code "11-23-******-01"}; safe to store and show. */
    public String masked() {
        return digits.substring(0, 2) + "-" + digits.substring(2, 4) + "-******-" + digits.substring(10, 12);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LicenseNumber that && digits.equals(that.digits);
    }

    @Override
    public int hashCode() {
        return digits.hashCode();
    }

    /** Same as {@link #masked()}. */
    @Override
    public String toString() {
        return masked();
    }
}
