package io.chargebot.server.plate;

import static java.util.Objects.requireNonNull;

import io.micronaut.core.annotation.Nullable;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plate "recogniser" for local development ({@code CHARGEBOT_PLATE_RECOGNIZER} unset or {@code local}):
 * it looks at no pixels and calls nobody; it reads the plate that was written into the file, so an app
 * developer can exercise recognition without a provider. Refused with {@code CHARGEBOT_PROFILE=production}.
 *
 * <ul>
 *   <li>PNG: a text chunk ({@code tEXt}, {@code zTXt} or {@code iTXt}) with keyword {@code plate}, e.g.
 *       written with Pillow's {@code PngInfo.add_text("plate", "12가 3456")};</li>
 *   <li>JPEG: a comment ({@code COM} segment, UTF-8) {@code plate=12가 3456} (or {@code plate: ...}), e.g.
 *       {@code exiftool -Comment="plate=12가 3456" photo.jpg}.</li>
 * </ul>
 *
 * The text found is the plate (confidence 1, no candidates); a file without it is "no plate found".
 * Two values simulate provider trouble: {@code !unavailable} (UNAVAILABLE / PROVIDER_UNAVAILABLE) and
 * {@code !rate-limited} (RESOURCE_EXHAUSTED / RATE_LIMITED). Each answer is logged at INFO.
 */
public final class LocalDevelopmentPlateRecognizer implements PlateRecognizer {

    private static final Logger logger = LoggerFactory.getLogger(LocalDevelopmentPlateRecognizer.class);

    static final String PROVIDER = "local";
    static final String KEYWORD = "plate";
    static final String SIMULATE_UNAVAILABLE = "!unavailable";
    static final String SIMULATE_RATE_LIMITED = "!rate-limited";
    /** Longest decompressed text chunk looked at; a plate is far shorter. */
    private static final int MAX_TEXT_BYTES = 1024;

    @Override
    public PlateReading recognize(PlateImage image) {
        requireNonNull(image, "image");
        String text = switch (image.format()) {
            case PNG -> pngText(image.bytes());
            case JPEG -> jpegComment(image.bytes());
        };
        String plate = text == null ? "" : PlateAnswers.clean(text);
        if (plate.equals(SIMULATE_UNAVAILABLE)) {
            logger.info("Local plate recogniser: simulating an outage");
            throw PlateHttp.unavailable();
        }
        if (plate.equals(SIMULATE_RATE_LIMITED)) {
            logger.info("Local plate recogniser: simulating rate limiting");
            throw PlateHttp.rateLimited(PlateHttp.DEFAULT_RETRY_DELAY);
        }
        if (plate.isEmpty()) {
            logger.info("Local plate recogniser: no \"plate\" text in the {} image, answering \"no plate found\"",
                    image.format());
            return PlateReading.none(PROVIDER);
        }
        logger.info("Local plate recogniser: {} image says plate {}", image.format(), plate);
        return new PlateReading(plate, 1, List.of(), PROVIDER);
    }

    /** The text of the first PNG text chunk whose keyword is {@code plate}, or null. */
    @Nullable
    static String pngText(byte[] png) {
        int at = 8;
        while (at + 12 <= png.length) {
            long length = ByteBuffer.wrap(png, at, 4).getInt() & 0xffffffffL;
            String type = new String(png, at + 4, 4, StandardCharsets.US_ASCII);
            if (length > png.length - at - 12L) {
                return null;
            }
            int data = at + 8;
            int end = data + (int) length;
            if (type.equals("IEND")) {
                return null;
            }
            if (type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt")) {
                int nul = indexOf(png, (byte) 0, data, end);
                if (nul > data && new String(png, data, nul - data, StandardCharsets.ISO_8859_1).equals(KEYWORD)) {
                    String text = chunkText(type, png, nul + 1, end);
                    if (text != null) {
                        return text;
                    }
                }
            }
            at = end + 4;
        }
        return null;
    }

    @Nullable
    private static String chunkText(String type, byte[] png, int from, int end) {
        switch (type) {
            case "tEXt":
                return decode(png, from, end);
            case "zTXt": {
                if (from >= end || png[from] != 0) {
                    return null;
                }
                byte[] text = inflate(png, from + 1, end);
                return text == null ? null : decode(text, 0, text.length);
            }
            default: {
                // iTXt: compression flag, method, language tag \0, translated keyword \0, UTF-8 text.
                if (from + 2 > end) {
                    return null;
                }
                boolean compressed = png[from] == 1;
                int language = indexOf(png, (byte) 0, from + 2, end);
                int translated = language < 0 ? -1 : indexOf(png, (byte) 0, language + 1, end);
                if (translated < 0) {
                    return null;
                }
                if (!compressed) {
                    return new String(png, translated + 1, end - translated - 1, StandardCharsets.UTF_8);
                }
                byte[] text = inflate(png, translated + 1, end);
                return text == null ? null : new String(text, StandardCharsets.UTF_8);
            }
        }
    }

    /** The text of the first JPEG comment that starts with {@code plate=} or {@code plate:}, or null. */
    @Nullable
    static String jpegComment(byte[] jpeg) {
        int at = 2;
        while (at + 4 <= jpeg.length) {
            if ((jpeg[at] & 0xff) != 0xff) {
                return null;
            }
            int marker = jpeg[at + 1] & 0xff;
            if (marker == 0xff) {
                at++;
                continue;
            }
            if (marker == 0xd9 || marker == 0xda) {
                // End of image, or start of scan: the entropy-coded data follows; comments come before it.
                return null;
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
                at += 2;
                continue;
            }
            int length = ((jpeg[at + 2] & 0xff) << 8) | (jpeg[at + 3] & 0xff);
            if (length < 2 || at + 2 + length > jpeg.length) {
                return null;
            }
            if (marker == 0xfe) {
                String comment = decode(jpeg, at + 4, at + 2 + length).strip();
                String lower = comment.toLowerCase(Locale.ROOT);
                if (lower.startsWith(KEYWORD + "=") || lower.startsWith(KEYWORD + ":")) {
                    return comment.substring(KEYWORD.length() + 1);
                }
            }
            at += 2 + length;
        }
        return null;
    }

    /** UTF-8 when the bytes are valid UTF-8 (what tools write in practice), else Latin-1 (what PNG's tEXt specifies). */
    private static String decode(byte[] bytes, int from, int end) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, end - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, from, end - from, StandardCharsets.ISO_8859_1);
        }
    }

    @Nullable
    private static byte[] inflate(byte[] bytes, int from, int end) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(bytes, from, end - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[256];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_TEXT_BYTES) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    private static int indexOf(byte[] bytes, byte value, int from, int end) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "LocalDevelopmentPlateRecognizer (reads a \"plate\" text chunk or comment written into the file)";
    }
}
