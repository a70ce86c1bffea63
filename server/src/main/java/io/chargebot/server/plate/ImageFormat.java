package io.chargebot.server.plate;

import io.micronaut.core.annotation.Nullable;
import java.util.Locale;

/** The image formats plate recognition takes, recognised by their leading bytes (not by a declared type). */
public enum ImageFormat {
    JPEG("image/jpeg", "jpg"),
    PNG("image/png", "png");

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final String mimeType;
    private final String extension;

    ImageFormat(String mimeType, String extension) {
        this.mimeType = mimeType;
        this.extension = extension;
    }

    /** The MIME type, e.g. {@code image/jpeg}. */
    public String mimeType() {
        return mimeType;
    }

    /** The usual file name extension without the dot, e.g. {@code jpg}. */
    public String extension() {
        return extension;
    }

    /** The format of {@code bytes}: JPEG ({@code FF D8 FF}) or PNG (its 8-byte signature); null for anything else. */
    @Nullable
    public static ImageFormat detect(byte[] bytes) {
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return JPEG;
        }
        if (bytes.length >= PNG_SIGNATURE.length) {
            for (int i = 0; i < PNG_SIGNATURE.length; i++) {
                if (bytes[i] != PNG_SIGNATURE[i]) {
                    return null;
                }
            }
            return PNG;
        }
        return null;
    }

    /**
     * The format a declared MIME type names: {@code image/jpeg} (also the common misspelling
     * {@code image/jpg}) or {@code image/png}, case-insensitive; null for any other type.
     */
    @Nullable
    public static ImageFormat ofMimeType(String mimeType) {
        return switch (mimeType.strip().toLowerCase(Locale.ROOT)) {
            case "image/jpeg", "image/jpg" -> JPEG;
            case "image/png" -> PNG;
            default -> null;
        };
    }
}
