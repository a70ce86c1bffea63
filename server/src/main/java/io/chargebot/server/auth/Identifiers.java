package io.chargebot.server.auth;

import io.chargebot.server.error.ApiException;
import io.micronaut.core.annotation.Nullable;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Validation and normalisation of the identifiers people type: login ids, Korean mobile numbers
 * and e-mail addresses. One place, so sign-up, sign-in, verification and profile updates agree.
 */
public final class Identifiers {

    private static final Pattern LOGIN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{3,29}");
    /** Korean mobile numbers: 010 and 8 digits, or the older 011/016/017/018/019 and 7 or 8 digits. */
    private static final Pattern KR_MOBILE_NATIONAL = Pattern.compile("010[0-9]{8}|01[16789][0-9]{7,8}");
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+");

    private Identifiers() {}

    /** Whether {@code loginId} is 4..30 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit. */
    public static boolean isValidLoginId(String loginId) {
        return LOGIN_ID.matcher(loginId).matches();
    }

    /** The login id or INVALID_ARGUMENT naming {@code field}. */
    public static String loginId(String loginId, String field) {
        if (!isValidLoginId(loginId)) {
            throw ApiException.invalid(field, "must be 4..30 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return loginId;
    }

    /**
     * Normalises a Korean mobile number written as {@code 01012345678}, {@code 010-1234-5678},
     * {@code 010 1234 5678} or {@code +82 10 1234 5678} to E.164 ({@code +821012345678}); null if
     * it is not one.
     */
    @Nullable
    public static String normalizePhone(String raw) {
        if (raw == null || raw.length() > 32) {
            return null;
        }
        String compact = raw.strip().replaceAll("[\\s().-]", "");
        String national;
        if (compact.startsWith("+82")) {
            String rest = compact.substring(3);
            national = rest.startsWith("0") ? rest : "0" + rest;
        } else if (compact.startsWith("0082")) {
            String rest = compact.substring(4);
            national = rest.startsWith("0") ? rest : "0" + rest;
        } else {
            national = compact;
        }
        if (!KR_MOBILE_NATIONAL.matcher(national).matches()) {
            return null;
        }
        return "+82" + national.substring(1);
    }

    /** The E.164 phone or INVALID_ARGUMENT naming {@code field}. */
    public static String phone(String raw, String field) {
        String phone = normalizePhone(raw);
        if (phone == null) {
            throw ApiException.invalid(field, "must be a Korean mobile number such as 01012345678, 010-1234-5678 or +82 10 1234 5678");
        }
        return phone;
    }

    /** Lower-cased e-mail address, or null if it is not one (at most 254 characters). */
    @Nullable
    public static String normalizeEmail(String raw) {
        if (raw == null) {
            return null;
        }
        String email = raw.strip();
        if (email.length() > 254 || !EMAIL.matcher(email).matches() || email.indexOf('@') > 64) {
            return null;
        }
        return email.toLowerCase(Locale.ROOT);
    }

    /** The normalised e-mail or INVALID_ARGUMENT naming {@code field}. */
    public static String email(String raw, String field) {
        String email = normalizeEmail(raw);
        if (email == null) {
            throw ApiException.invalid(field, "must be an e-mail address of at most 254 characters");
        }
        return email;
    }

    /** {@code +821012345678} → {@code +8210****5678}, for logs. */
    public static String maskPhone(String e164) {
        if (e164 == null || e164.length() < 8) {
            return "***";
        }
        return e164.substring(0, 5) + "****" + e164.substring(e164.length() - 4);
    }

    /** {@code qwer1234} → {@code qw****34}: all but the first two and last two characters hidden. */
    public static String maskLoginId(String loginId) {
        if (loginId.length() <= 4) {
            return loginId.charAt(0) + "*".repeat(loginId.length() - 1);
        }
        return loginId.substring(0, 2) + "*".repeat(loginId.length() - 4) + loginId.substring(loginId.length() - 2);
    }
}
