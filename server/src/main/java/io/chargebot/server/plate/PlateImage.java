package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

/**
 * A photo to read a plate from: its bytes and its format, already checked against the content.
 * The array is not copied (images are up to 3 MiB); nobody may modify it.
 */
public record PlateImage(byte[] bytes, ImageFormat format) {

    public PlateImage {
        requireNonNull(bytes, "bytes");
        requireNonNull(format, "format");
        if (ImageFormat.detect(bytes) != format) {
            throw new IllegalArgumentException("bytes: not a " + format + " image");
        }
    }

    /** The image with its format detected from its bytes. */
    public static PlateImage of(byte[] bytes) {
        ImageFormat format = ImageFormat.detect(bytes);
        if (format == null) {
            throw new IllegalArgumentException("bytes: neither JPEG nor PNG");
        }
        return new PlateImage(bytes, format);
    }

    @Override
    public String toString() {
        return "PlateImage[" + format + ", " + bytes.length + " bytes]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PlateImage image && image.format == format && java.util.Arrays.equals(image.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * format.hashCode() + java.util.Arrays.hashCode(bytes);
    }
}
