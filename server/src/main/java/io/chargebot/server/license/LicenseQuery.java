package io.chargebot.server.license;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;

/**
 * What a verifier is asked about one licence. The number, birth date and serial are personal data:
 * {@link #toString()} shows only the masked number, so a query can be logged safely.
 *
 * @param birthDate    the holder's date of birth
 * @param holderName   the holder's name as printed on the licence, 1..50 characters (trimmed)
 * @param number       the licence number
 * @param serialNumber the serial (seed 002 "identify_number") printed on the licence, 1..20 ASCII
 *                     letters and digits (trimmed)
 * @throws IllegalArgumentException with a message that never contains the values
 */
public record LicenseQuery(LocalDate birthDate, String holderName, LicenseNumber number, String serialNumber) {

    static final int MAX_HOLDER_NAME = 50;
    static final int MAX_SERIAL = 20;

    public LicenseQuery {
        requireNonNull(birthDate, "birthDate");
        requireNonNull(holderName, "holderName");
        requireNonNull(number, "number");
        requireNonNull(serialNumber, "serialNumber");
        holderName = holderName.strip();
        if (holderName.isEmpty() || holderName.codePointCount(0, holderName.length()) > MAX_HOLDER_NAME) {
            throw new IllegalArgumentException("holderName: expected 1.." + MAX_HOLDER_NAME + " characters");
        }
        for (int i = 0; i < holderName.length(); i++) {
            if (Character.isISOControl(holderName.charAt(i))) {
                throw new IllegalArgumentException("holderName: control characters are not allowed");
            }
        }
        serialNumber = serialNumber.strip();
        if (serialNumber.isEmpty() || serialNumber.length() > MAX_SERIAL || !asciiAlphanumeric(serialNumber)) {
            throw new IllegalArgumentException("serialNumber: expected 1.." + MAX_SERIAL + " ASCII letters and digits");
        }
    }

    private static boolean asciiAlphanumeric(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Shows the masked number only; birth date, name and serial are hidden. */
    @Override
    public String toString() {
        return "LicenseQuery[number=" + number.masked() + ", birthDate=****-**-**, holderName=***, serialNumber=***]";
    }
}
