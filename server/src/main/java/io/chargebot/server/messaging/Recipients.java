package io.chargebot.server.messaging;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks and masks recipients, and quotes text for one-line log entries. */
final class Recipients {

    /** +82, then a mobile prefix 010/011/016/017/018/019 without its 0, then 7-8 digits. */
    private static final Pattern KOREAN_MOBILE_E164 = Pattern.compile("\\+82(1[016789]\\d{7,8})");

    private Recipients() {}

    /**
     * The national form SENS expects ({@code +821012345678} → {@code 01012345678}).
     *
     * @throws IllegalArgumentException if {@code e164Phone} is not a Korean mobile number in E.164 form
     */
    static String nationalMobile(String e164Phone) {
        Matcher matcher = KOREAN_MOBILE_E164.matcher(e164Phone);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("e164Phone: " + maskPhone(e164Phone)
                    + " (expected: a Korean mobile number in E.164 form, e.g. +821012345678)");
        }
        return "0" + matcher.group(1);
    }

    /**
     * Parses one e-mail address strictly.
     *
     * @throws IllegalArgumentException if it is not a single valid address
     */
    static InternetAddress emailAddress(String address) {
        try {
            InternetAddress parsed = new InternetAddress(address, true);
            if (parsed.isGroup() || parsed.getAddress().indexOf('@') < 1) {
                throw new AddressException("not a single address with a domain");
            }
            return parsed;
        } catch (AddressException e) {
            throw new IllegalArgumentException("to: " + maskEmail(address) + " (expected: an e-mail address)");
        }
    }

    /** {@code +821012345678} → {@code +8210****5678}; short or odd input keeps at most its last 4 characters. */
    static String maskPhone(String phone) {
        if (phone.length() < 8) {
            return "****";
        }
        int keepStart = Math.min(5, phone.length() - 8);
        return phone.substring(0, keepStart) + "****" + phone.substring(phone.length() - 4);
    }

    /** {@code driver@example.com} → {@code d***@example.com}. */
    static String maskEmail(String address) {
        int at = address.lastIndexOf('@');
        if (at < 1) {
            return "***";
        }
        return address.charAt(0) + "***" + address.substring(at);
    }

    /** A double-quoted, one-line rendering: backslash, quote and control characters escaped. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
