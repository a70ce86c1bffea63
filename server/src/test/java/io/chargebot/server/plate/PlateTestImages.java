package io.chargebot.server.plate;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;

/** Real JPEG and PNG files (written by ImageIO), optionally carrying a text chunk or comment. */
final class PlateTestImages {

    private PlateTestImages() {}

    static byte[] png() {
        return write("png", BufferedImage.TYPE_INT_ARGB);
    }

    static byte[] jpeg() {
        return write("jpg", BufferedImage.TYPE_INT_RGB);
    }

    /** A PNG with a {@code tEXt} chunk {@code keyword\0text} (text in UTF-8, as tools write it in practice). */
    static byte[] pngWithText(String keyword, String text) {
        return withChunk(png(), "tEXt", concat(latin1(keyword), new byte[] {0}, utf8(text)));
    }

    /** A PNG with an uncompressed {@code iTXt} chunk. */
    static byte[] pngWithInternationalText(String keyword, String text) {
        return withChunk(png(), "iTXt", concat(latin1(keyword), new byte[] {0, 0, 0}, latin1("ko"), new byte[] {0},
                utf8("번호판"), new byte[] {0}, utf8(text)));
    }

    /** A PNG with a {@code zTXt} chunk (deflate-compressed text). */
    static byte[] pngWithCompressedText(String keyword, String text) {
        Deflater deflater = new Deflater();
        deflater.setInput(utf8(text));
        deflater.finish();
        byte[] buffer = new byte[1024];
        int n = deflater.deflate(buffer);
        deflater.end();
        byte[] compressed = java.util.Arrays.copyOf(buffer, n);
        return withChunk(png(), "zTXt", concat(latin1(keyword), new byte[] {0, 0}, compressed));
    }

    /** A JPEG with a comment ({@code COM} segment) right after the start-of-image marker. */
    static byte[] jpegWithComment(String comment) {
        byte[] jpeg = jpeg();
        byte[] text = utf8(comment);
        int length = text.length + 2;
        byte[] segment = concat(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) (length >> 8), (byte) length}, text);
        return concat(java.util.Arrays.copyOfRange(jpeg, 0, 2), segment, java.util.Arrays.copyOfRange(jpeg, 2, jpeg.length));
    }

    /** {@code png} with a chunk inserted after IHDR (which is 8 + 25 bytes into the file). */
    static byte[] withChunk(byte[] png, String type, byte[] data) {
        int afterHeader = 8 + 25;
        ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
        chunk.putInt(data.length);
        byte[] typeBytes = latin1(type);
        chunk.put(typeBytes);
        chunk.put(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        chunk.putInt((int) crc.getValue());
        return concat(java.util.Arrays.copyOfRange(png, 0, afterHeader), chunk.array(),
                java.util.Arrays.copyOfRange(png, afterHeader, png.length));
    }

    private static byte[] write(String format, int type) {
        BufferedImage image = new BufferedImage(8, 4, type);
        image.setRGB(1, 1, 0xff336699);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
